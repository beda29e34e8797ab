-- a script pgward finds nothing wrong with (the install and pre-commit tests)
SELECT 1;
