COPY c FROM stdin;
1	one
2	two
