\set b '\\foobar'
:b