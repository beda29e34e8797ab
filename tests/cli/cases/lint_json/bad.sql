SELECT 1;
SELECT *
  FORM eng.t;
UPDATE eng.t SET id = 2;
	SELEC	2;
