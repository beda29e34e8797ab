INSERT INTO eng.tickets (id) VALUES (1);
