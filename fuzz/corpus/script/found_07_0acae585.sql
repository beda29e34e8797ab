\d t
\x
\timinh on
\! ecut
]Lcopy t from 'x.csv„ı\connect db
\c
\psermat csv
\';
