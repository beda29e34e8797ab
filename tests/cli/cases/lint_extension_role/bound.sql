INSERT INTO @extschema@.tickets (id) VALUES (1);
