-- Sqitch's revert script
DROP TABLE app.users;
