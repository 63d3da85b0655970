# Helpers that keep every folder of src/ one library with its own warning set.

# Warnings as errors on loom's own code only. -Wmissing-field-initializers is
# off because GCC 12 raises it for designated initializers that leave out
# members with default initializers, which is how loom passes parameter structs.
# -Wrestrict is off for GCC: at -O3 (the release build) GCC 12 reports
# impossible overlaps inside libstdc++'s std::string operator+ (GCC bug 105329).
function(loom_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter
                                           -Wno-missing-field-initializers
                                           $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# loom_library(NAME folder DEPS lib...) builds src/<folder>/*.cc (not subfolders
# that carry their own ISA flags) into loom_<folder>. The link list is the
# folder's allowed dependencies, so the build itself keeps the layering.
function(loom_library folder)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.cc)
  if(NOT sources)  # a folder not written yet still links as a layer
    add_library(loom_${folder} INTERFACE)
    target_include_directories(loom_${folder} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(loom_${folder} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(loom_${folder} STATIC ${sources})
  target_include_directories(loom_${folder} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(loom_${folder} PUBLIC ${ARG_DEPS})
  loom_warnings(loom_${folder})
endfunction()

# loom_test(folder DEPS lib...) builds tests/<folder>/*_test.cc into one
# GoogleTest binary, loom_<folder>_tests, registered with CTest.
function(loom_test folder)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*_test.cc)
  if(NOT sources)
    return()
  endif()
  add_executable(loom_${folder}_tests ${sources})
  target_link_libraries(loom_${folder}_tests PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  target_include_directories(loom_${folder}_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(loom_${folder}_tests PRIVATE
    LOOM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LOOM_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/../shared/fixtures")
  loom_warnings(loom_${folder}_tests)
  gtest_discover_tests(loom_${folder}_tests
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS ${folder})
endfunction()
