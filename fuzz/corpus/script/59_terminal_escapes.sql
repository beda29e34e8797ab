SELEC '[31mred[0m';
CREATE TABLE "t]0;x‮�" (id int PRIMARY KEY);
DROP TABLE "2J";
