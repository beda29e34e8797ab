SELECT 1;
select 'tail without semicolon'