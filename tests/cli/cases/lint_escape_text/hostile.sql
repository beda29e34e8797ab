SELECT 1;
SELEC '[31mred[0m ÿþ â€® evil';
CREATE TABLE "t]0;pwned" (id int PRIMARY KEY);
DROP TABLE "Â›2Jÿ";
