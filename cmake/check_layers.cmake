# check_layers.cmake -- enforce ARCHITECTURE.md's one-way dependency rule.
#
# Domains are listed from the bottom up. A source or header of a domain may
# include the public header of its own domain or of a domain listed before it,
# never after. The command line (cli) and the server sit on top and may use all.
set(ORDER core data stats ta features ml validate risk oms engine strategy
          scanner store report server cli)
set(bad "")
foreach(dom ${ORDER})
  list(FIND ORDER ${dom} mine)
  file(GLOB_RECURSE files ${SRC}/src/${dom}/*.c ${SRC}/src/${dom}/*.h)
  if(EXISTS ${SRC}/include/kairos/${dom}.h)
    list(APPEND files ${SRC}/include/kairos/${dom}.h)
  endif()
  foreach(f ${files})
    file(STRINGS ${f} incs REGEX "^#include \"")
    foreach(line ${incs})
      string(REGEX MATCH "#include \"(kairos/)?([a-z_]+)[./]" m "${line}")
      set(other ${CMAKE_MATCH_2})
      if(other STREQUAL "" OR other STREQUAL dom)
        continue()
      endif()
      list(FIND ORDER ${other} theirs)
      if(theirs GREATER mine)
        string(APPEND bad "${f}: ${dom} may not include ${other} (${line})\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "layering violations:\n${bad}")
endif()
message(STATUS "layering: ok")
