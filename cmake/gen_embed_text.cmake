# gen_embed_text.cmake: turns a text file into a C header holding it as a string.
#   cmake -DTEXT=sql/audit.sql -DNAME=audit_sql -DOUT=gen/audit_sql.h -P gen_embed_text.cmake
# The header defines `static const char NAME[]` (the bytes of TEXT, NUL-terminated),
# written as hex escapes so any byte survives.
file(READ ${TEXT} hex HEX)
string(LENGTH "${hex}" n)
set(body "")
set(i 0)
while(i LESS n)
  string(SUBSTRING "${hex}" ${i} 160 chunk)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" chunk "${chunk}")
  string(APPEND body "    \"${chunk}\"\n")
  math(EXPR i "${i} + 160")
endwhile()
get_filename_component(base ${TEXT} NAME)
file(WRITE ${OUT} "/* generated from ${base} by cmake/gen_embed_text.cmake: do not edit */\n"
                  "static const char ${NAME}[] =\n${body}    \"\";\n")
