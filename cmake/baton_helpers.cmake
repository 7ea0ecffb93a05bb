# baton_links_asio(<out-var> <target>...): TRUE when one of the targets carries baton_asio's usage
# requirements (links it PUBLIC/INTERFACE, directly or through baton_net, baton_daemon, baton_test_support...).
# $<LINK_ONLY:...> entries (private dependencies of static libraries) carry no compile definitions: skipped.
function(baton_links_asio out)
    set(pending ${ARGN})
    set(seen "")
    while(pending)
        list(POP_FRONT pending lib)
        if(lib STREQUAL "baton_asio")
            set(${out} TRUE PARENT_SCOPE)
            return()
        endif()
        if(NOT TARGET "${lib}" OR lib IN_LIST seen)
            continue()
        endif()
        list(APPEND seen ${lib})
        get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
        if(deps)
            list(APPEND pending ${deps})
        endif()
    endwhile()
    set(${out} FALSE PARENT_SCOPE)
endfunction()

# baton_reuse_asio_pch(<target>): compile <target> against baton_asio's precompiled header (net/asio_pch.hpp)
# instead of building a copy of its own: one PCH per build configuration. Only for targets that link
# baton_asio: the PCH is valid only with its definitions (BOOST_ASIO_SEPARATE_COMPILATION...); GCC checks it
# (-Winvalid-pch, an error with -Werror). Extra definitions the PCH never reads (BOOST_TEST_DYN_LINK) are fine.
function(baton_reuse_asio_pch target)
    target_precompile_headers(${target} REUSE_FROM baton_asio)
endfunction()

# baton_add_test(NAME name SOURCES a.cpp b.cpp LIBS lib... [LABELS l...])
# One Boost.Test executable registered with CTest; the test tree mirrors the source tree. A test whose LIBS
# bring in baton_asio reuses its precompiled header.
function(baton_add_test)
    cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Boost::unit_test_framework baton_warnings)
    target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK)
    target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/tests)
    baton_links_asio(with_asio ${T_LIBS})
    if(with_asio)
        baton_reuse_asio_pch(${T_NAME})
    endif()
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} --log_level=test_suite --report_level=short)
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT 300 LABELS "${T_LABELS}"
        ENVIRONMENT "BATON_BIN_DIR=${PROJECT_BINARY_DIR};BATON_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
