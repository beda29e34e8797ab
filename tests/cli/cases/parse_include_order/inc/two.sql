SELECT 3 -- no semicolon
