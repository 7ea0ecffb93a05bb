# baton_add_test(NAME name SOURCES a.cpp b.cpp LIBS lib... [LABELS l...])
# One Boost.Test executable registered with CTest; the test tree mirrors the source tree.
function(baton_add_test)
    cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Boost::unit_test_framework baton_warnings)
    target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK)
    target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/tests)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} --log_level=test_suite --report_level=short)
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT 300 LABELS "${T_LABELS}"
        ENVIRONMENT "BATON_BIN_DIR=${PROJECT_BINARY_DIR};BATON_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
