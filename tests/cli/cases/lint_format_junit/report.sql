-- pgward-ignore a<b&"c': typo'd rule id
SELECT 1 AS n \gset
SELECT :n + 1;
-- pgward-ignore transaction-control: CI runs this with psql
SELECT 2;
SELECT 1 FORM "x,y";
COMMIT;
