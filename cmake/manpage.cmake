# Writes the man page OUT (roff) from `EXE --help` and each command's `EXE CMD --help`.
# Run by the build after the binary is linked (cmake/install.cmake), so the page always says
# what this binary does.
function(mood_roff_escape in out)
  string(REPLACE "\\" "\\e" s "${in}")
  # A line that starts with . or ' would be a roff request.
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" s "${s}")
  set(${out} "${s}" PARENT_SCOPE)
endfunction()

execute_process(COMMAND ${EXE} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --help failed (${rc})")
endif()
string(TIMESTAMP today "%Y-%m-%d" UTC) # honours SOURCE_DATE_EPOCH
set(page ".\\\" Generated from 'moodscope --help' by cmake/manpage.cmake; do not edit.\n")
string(APPEND page ".TH MOODSCOPE 1 \"${today}\" \"moodscope ${VERSION}\" \"User Commands\"\n")
string(APPEND page ".SH NAME\nmoodscope \\- discover latent mood groups in music\n")
string(APPEND page ".SH SYNOPSIS\n.B moodscope\n.I command\n[\\fIoptions\\fR] [\\fIargs\\fR]\n")
string(APPEND page ".br\n.B moodscope\n.BR \\-\\-help \" | \" \\-\\-version\n")
mood_roff_escape("${help}" h)
string(APPEND page ".SH DESCRIPTION\n.nf\n${h}.fi\n.SH COMMANDS\n")
# Command names: the indented lines of the "Commands:" block.
string(REGEX MATCH "Commands:\n(( +[a-z_-]+ [^\n]*\n)+)" block "${help}")
string(REGEX MATCHALL "\n +[a-z_-]+ " names "\n${CMAKE_MATCH_1}")
foreach(n ${names})
  string(STRIP "${n}" cmd)
  execute_process(COMMAND ${EXE} ${cmd} --help OUTPUT_VARIABLE ch ERROR_VARIABLE ce
                  RESULT_VARIABLE crc)
  if(NOT crc EQUAL 0)
    mood_roff_escape("${ce}" ce)
    string(APPEND page ".SS ${cmd}\n.nf\n${ce}.fi\n")
    continue()
  endif()
  mood_roff_escape("${ch}" ch)
  string(APPEND page ".SS ${cmd}\n.nf\n${ch}.fi\n")
endforeach()
string(APPEND page ".SH EXIT STATUS\n0 success, 1 runtime or data error (also: a command this build "
       "leaves out), 2 usage error.\n")
string(APPEND page ".SH SEE ALSO\nThe README and docs/ of the moodscope sources.\n")
file(WRITE ${OUT}.tmp "${page}")
file(RENAME ${OUT}.tmp ${OUT})
