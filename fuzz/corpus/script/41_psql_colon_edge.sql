SELECT :;
SELECT :'';
SELECT :"";
SELECT :{?};
SELECT ::int;
SELECT :'unterminated;
SELECT :"unterminated;
