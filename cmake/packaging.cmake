# cmake/packaging.cmake: what `cmake --install` puts where, and the Debian package
# `cpack -G DEB` makes of it (included by the top-level CMakeLists.txt).
#
#   bin/pgward
#   share/man/man1/pgward*.1                 docs/commands/pgward*.md through pandoc
#   share/bash-completion/completions/pgward `pgward completion bash`, run at build time
#   share/zsh/vendor-completions/_pgward     `pgward completion zsh` (Debian's folder)
#   share/doc/pgward/rules/                  the rule docs, POLICY.md, functions.allow
#                                            and staging.policy, for reading: pgward
#                                            has all of them built in and reads none
#   share/doc/pgward/*.md, copyright         docs/*.md, README.md, LICENSE
include(GNUInstallDirs)

set(PGWARD_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" CACHE STRING
    "where the zsh completion goes (Debian: share/zsh/vendor-completions; elsewhere often share/zsh/site-functions)")
set(PGWARD_MAINTAINER "pgward maintainers <maintainers@users.noreply.r-seed-06b70095.example>"
    CACHE STRING "the Debian package's Maintainer field")
set(PGWARD_HOMEPAGE "https://github.com/OWNER/pgward" CACHE STRING
    "the Debian package's Homepage field")

install(TARGETS pgward RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# --- completions, from the binary's own tables, so they cannot drift from it
set(COMPLETION_DIR ${CMAKE_BINARY_DIR}/completion)
file(MAKE_DIRECTORY ${COMPLETION_DIR})
foreach(shell bash zsh)
  if(shell STREQUAL "bash")
    set(out ${COMPLETION_DIR}/pgward)
  else()
    set(out ${COMPLETION_DIR}/_pgward)
  endif()
  add_custom_command(
    OUTPUT ${out}
    COMMAND sh -c "\"$1\" completion ${shell} >\"$2\".tmp && mv \"$2\".tmp \"$2\""
            completion $<TARGET_FILE:pgward> ${out}
    DEPENDS pgward
    COMMENT "generating the ${shell} completion with pgward completion ${shell}"
    VERBATIM)
  list(APPEND COMPLETION_FILES ${out})
endforeach()
add_custom_target(completions ALL DEPENDS ${COMPLETION_FILES})
install(FILES ${COMPLETION_DIR}/pgward
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${COMPLETION_DIR}/_pgward DESTINATION ${PGWARD_ZSH_COMPLETION_DIR})

# --- man pages: each docs/commands/pgward*.md, whose pandoc title block
# ("% PGWARD-LINT(1) pgward | pgward manual") names the section. Without pandoc
# they are left out, said once here (the install test then fails); scripts/setup.sh
# installs it.
file(GLOB MAN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/commands/pgward*.md)
find_program(PANDOC pandoc)
if(NOT PANDOC)
  message(STATUS "pandoc not found: the man pages are not built (apt-get install pandoc; scripts/setup.sh installs it)")
elseif(MAN_SOURCES)
  set(MAN_DIR ${CMAKE_BINARY_DIR}/man)
  file(MAKE_DIRECTORY ${MAN_DIR})
  foreach(src IN LISTS MAN_SOURCES)
    get_filename_component(page ${src} NAME_WE)
    file(STRINGS ${src} title LIMIT_COUNT 1)
    if(title MATCHES "^% [^ ]+\\(([1-9])\\)")
      set(section ${CMAKE_MATCH_1})
    else()
      message(FATAL_ERROR "${src}:1:1: no pandoc title block: expected '% ${page}(1) pgward | pgward manual'")
    endif()
    set(out ${MAN_DIR}/${page}.${section})
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${PANDOC} --standalone --from markdown --to man --output ${out} ${src}
      DEPENDS ${src}
      COMMENT "man page ${page}(${section}) from docs/commands/${page}.md"
      VERBATIM)
    list(APPEND MAN_PAGES ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(man ALL DEPENDS ${MAN_PAGES})
endif()

# --- documentation
file(GLOB RULE_DOC_FILES ${CMAKE_SOURCE_DIR}/rules/*.md)
install(FILES ${RULE_DOC_FILES} ${CMAKE_SOURCE_DIR}/rules/functions.allow
              ${CMAKE_SOURCE_DIR}/rules/staging.policy
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/rules)
# docs/notes-*.md are working notes between branches, not documentation
file(GLOB DOC_FILES ${CMAKE_SOURCE_DIR}/docs/*.md)
list(FILTER DOC_FILES EXCLUDE REGEX "/notes-[^/]*\\.md$")
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${DOC_FILES} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# --- the Debian package: pgward_<version>_<arch>.deb
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pgward)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "pgward")
set(CPACK_PACKAGE_CONTACT ${PGWARD_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "lints, gates and applies PostgreSQL scripts")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# as Debian's own packages: no debugging symbols in the binary shipped
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${PGWARD_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${PGWARD_HOMEPAGE})
# The Depends line comes from the libraries the binary links (libpg-query, libcjson,
# libpq5, libpcre2-8, libssl3 and libc), at the versions dpkg-shlibdeps reads from
# their packages' symbols files.
find_program(DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  # without dpkg-dev: Debian 12's names, unversioned
  message(STATUS "dpkg-shlibdeps not found: the package's Depends is Debian 12's list (apt-get install dpkg-dev)")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, libcjson1, libpcre2-8-0, libpg-query1504.0, libpq5, libssl3")
endif()
# pgward stage runs a PostgreSQL 15 server of its own
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql-15, bash-completion, pre-commit")
# (CPack puts the summary above it as the Description's first line)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "pgward reads scripts as psql does and parses every statement with the\n\
PostgreSQL parser (libpg_query). pgward lint reports what is wrong: locking\n\
hazards, risky migrations, security mistakes, and, against a policy, what a\n\
restricted role may not do. pgward bundle, apply, verify and audit run\n\
approved scripts transactionally with a tamper-evident audit trail.")
include(CPack)
