CREATE TABLE "we;ird""name" ("col;1" int, "" int);
SELECT "a""b" FROM "T";
