\echo Use "CREATE EXTENSION myext" to load this file. \quit
INSERT INTO eng.tickets (id) VALUES (1);
