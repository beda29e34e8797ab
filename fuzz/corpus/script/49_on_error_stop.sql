\set ON_ERROR_STOP 1
SELECT 1;
SELEC oops;
SELECT 'never run';
