;;
;  ; -- nothing
/* only a comment */;
