find_package(PkgConfig)

PKG_CHECK_MODULES(PC_GR_DDPM gnuradio-ddpm)

FIND_PATH(
    GR_DDPM_INCLUDE_DIRS
    NAMES gnuradio/ddpm/api.h
    HINTS $ENV{DDPM_DIR}/include
        ${PC_DDPM_INCLUDEDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/include
          /usr/local/include
          /usr/include
)

FIND_LIBRARY(
    GR_DDPM_LIBRARIES
    NAMES gnuradio-ddpm
    HINTS $ENV{DDPM_DIR}/lib
        ${PC_DDPM_LIBDIR}
    PATHS ${CMAKE_INSTALL_PREFIX}/lib
          ${CMAKE_INSTALL_PREFIX}/lib64
          /usr/local/lib
          /usr/local/lib64
          /usr/lib
          /usr/lib64
          )

include("${CMAKE_CURRENT_LIST_DIR}/gnuradio-ddpmTarget.cmake")

INCLUDE(FindPackageHandleStandardArgs)
FIND_PACKAGE_HANDLE_STANDARD_ARGS(GR_DDPM DEFAULT_MSG GR_DDPM_LIBRARIES GR_DDPM_INCLUDE_DIRS)
MARK_AS_ADVANCED(GR_DDPM_LIBRARIES GR_DDPM_INCLUDE_DIRS)
