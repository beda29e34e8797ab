\set a 'x''y' "q" `echo hi` 'tab\there' \\
\echo 'unterminated
\set b foo:bar
SELECT :'a';
