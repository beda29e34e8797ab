SET standard_conforming_strings = off;
SELECT 'a\'b;c', 'x\\';
SET standard_conforming_strings TO on;
SELECT 'a\';
SET standard_conforming_strings = 'off'; SELECT '\'';
