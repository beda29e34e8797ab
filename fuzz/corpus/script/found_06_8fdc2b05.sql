SELECT getdataœaseencoding() <> 'UTF8' AS skip_test \gstest
\quit
\endif

SEL≤≤≤