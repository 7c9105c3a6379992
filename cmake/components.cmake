# Optional components (issue #15): each is an option MOOD_WITH_<NAME> that defaults to ON when
# its pkg-config modules are found and the components it needs are ON. An explicit ON whose
# dependency is missing stops the configure with the Debian packages to install.
#
#   mood_component(NAME "what it builds" MODULES pc-module... DEBIAN "deb-package..."
#                  [NEEDS OTHER...])
#
# After the call: MOOD_WITH_<NAME> (ON/OFF), the imported target PkgConfig::MOOD_PC_<NAME> when
# ON, and MOOD_HINT_<NAME> = "-DMOOD_WITH_<NAME>=ON (Debian: apt-get install ...)", which the
# command line prints for a command whose component is not built.
# mood_component_summary() prints the table: component, ON/OFF, why.

set_property(GLOBAL PROPERTY MOOD_COMPONENT_ROWS "")
set(MOOD_PC_REQUIRES_PRIVATE "")

function(mood_component_row name state why)
  string(TOLOWER ${name} lname)
  string(LENGTH "${lname}" len)
  math(EXPR pad "11 - ${len}")
  string(REPEAT " " ${pad} spaces)
  set_property(GLOBAL APPEND PROPERTY MOOD_COMPONENT_ROWS "  ${lname}${spaces}${state}  ${why}")
endfunction()

function(mood_component name)
  cmake_parse_arguments(C "" "DEBIAN" "MODULES;NEEDS" ${ARGN})
  set(desc "${C_UNPARSED_ARGUMENTS}")
  set(hint "-DMOOD_WITH_${name}=ON (Debian: apt-get install ${C_DEBIAN})")
  set(MOOD_HINT_${name} "${hint}" PARENT_SCOPE)
  # Which modules are missing (checked one by one, so that the summary can name them).
  set(missing "")
  foreach(m ${C_MODULES})
    string(MAKE_C_IDENTIFIER "${m}" mid)
    pkg_check_modules(MOOD_PC1_${mid} QUIET ${m})
    if(NOT MOOD_PC1_${mid}_FOUND)
      list(APPEND missing ${m})
    endif()
  endforeach()
  set(off_needs "")
  foreach(n ${C_NEEDS})
    if(NOT MOOD_WITH_${n})
      list(APPEND off_needs ${n})
    endif()
  endforeach()
  if(NOT missing AND NOT off_needs)
    set(default ON)
  else()
    set(default OFF)
  endif()
  option(MOOD_WITH_${name} "Build ${desc}" ${default})
  if(MOOD_WITH_${name})
    if(missing)
      string(REPLACE ";" " " missing_s "${missing}")
      message(FATAL_ERROR "MOOD_WITH_${name}=ON but pkg-config cannot find: ${missing_s}; "
                          "install them (Debian: apt-get install ${C_DEBIAN}) or pass "
                          "-DMOOD_WITH_${name}=OFF")
    endif()
    if(off_needs)
      string(REPLACE ";" ", MOOD_WITH_" needs_s "${off_needs}")
      message(FATAL_ERROR "MOOD_WITH_${name}=ON needs MOOD_WITH_${needs_s}=ON; "
                          "pass -DMOOD_WITH_${name}=OFF or turn those on")
    endif()
    pkg_check_modules(MOOD_PC_${name} REQUIRED IMPORTED_TARGET ${C_MODULES})
    string(REPLACE ";" " " mods "${C_MODULES}")
    mood_component_row(${name} "ON " "found ${mods}  [${desc}]")
    set(MOOD_PC_REQUIRES_PRIVATE ${MOOD_PC_REQUIRES_PRIVATE} ${C_MODULES} PARENT_SCOPE)
  elseif(missing)
    string(REPLACE ";" " " missing_s "${missing}")
    mood_component_row(${name} "OFF" "not found: ${missing_s} (apt-get install ${C_DEBIAN})  [${desc}]")
  elseif(off_needs)
    string(REPLACE ";" ", " needs_s "${off_needs}")
    string(TOLOWER "${needs_s}" needs_s)
    mood_component_row(${name} "OFF" "needs ${needs_s}  [${desc}]")
  else()
    mood_component_row(${name} "OFF" "-DMOOD_WITH_${name}=OFF given  [${desc}]")
  endif()
endfunction()

function(mood_component_summary)
  get_property(rows GLOBAL PROPERTY MOOD_COMPONENT_ROWS)
  # NOTICE (stderr), so that the table shows even where the configure output is silenced
  # (the Makefile's targets).
  set(table "moodscope components (-DMOOD_WITH_<NAME>=ON|OFF):")
  foreach(r ${rows})
    string(APPEND table "\n${r}")
  endforeach()
  message(NOTICE "${table}")
endfunction()
