\i other.sql
\ir ../etc/passwd
\include /etc/passwd
\include_relative sub/x.sql
\i /dev/zero
\i -
\i
SELECT 1;
