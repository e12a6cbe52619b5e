# bench/tulip/tulip.cmake -- Tulip Indicators, bench_ta's peer, built for the
# benchmark only.
#
# Included by bench/CMakeLists.txt after the benchmarks are defined. At
# configure time fetch.sh takes Tulip's C amalgamation out of the npm package
# `tulind` into <build>/bench/tulip/; it is compiled here into a static
# library with the same flags as libkairos (the build type's -O3 and, under
# KR_NATIVE, -march=native), warnings off since it is not our code, and linked
# into bench_ta alone. The source never enters the kairos tree and the binary
# is never distributed (Tulip is LGPL-3.0; see bench/README.md).
#
# KR_BENCH_TULIP defaults to KR_NATIVE: the benchmark build (`make bench`)
# fetches the peer, ordinary and CI builds stay off the network and build
# bench_ta without it. When the fetch fails, bench_ta is built without the
# peer and prints kairos figures only.
option(KR_BENCH_TULIP
       "Fetch Tulip Indicators (npm tulind) as the peer of bench_ta"
       ${KR_NATIVE})

if(KR_BENCH_TULIP AND TARGET bench_ta)
  set(_tulip_dir ${CMAKE_CURRENT_BINARY_DIR}/tulip)
  execute_process(
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fetch.sh ${_tulip_dir}
    RESULT_VARIABLE _tulip_rc
    ERROR_VARIABLE _tulip_err
    TIMEOUT 300)
  if(_tulip_rc EQUAL 0)
    add_library(kr_tulip STATIC ${_tulip_dir}/tiamalgamation.c)
    target_compile_options(kr_tulip PRIVATE -w)
    # libkairos is compiled position-independent (one object library for
    # the static and the shared library): so is its peer.
    set_target_properties(kr_tulip PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_include_directories(kr_tulip SYSTEM INTERFACE ${_tulip_dir})
    target_link_libraries(kr_tulip PUBLIC m)
    target_link_libraries(bench_ta PRIVATE kr_tulip)
    target_compile_definitions(bench_ta PRIVATE KR_HAVE_TULIP=1)
    message(STATUS "bench_ta: Tulip Indicators from ${_tulip_dir}")
  else()
    string(STRIP "${_tulip_err}" _tulip_err)
    message(WARNING "bench_ta: no Tulip Indicators (${_tulip_err}); "
                    "bench_ta will print kairos figures only")
  endif()
endif()
