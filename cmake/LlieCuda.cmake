# The CUDA backend's build: decides whether it can be built (LLIE_CUDA = AUTO | ON | OFF), and if
# so adds the static library llie_cuda (backends/cuda/*.cpp, *.cu) to llie_backends and sets
# LLIE_HAVE_CUDA. Targets sm_90 (H100/H200) plus portable compute_80 PTX unless the user chose
# CMAKE_CUDA_ARCHITECTURES. Included from the top-level CMakeLists.txt after llie_backends exists.
set(LLIE_HAVE_CUDA OFF)
string(TOUPPER "${LLIE_CUDA}" _llie_cuda_mode)
if(NOT _llie_cuda_mode MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "LLIE_CUDA must be AUTO, ON or OFF (got '${LLIE_CUDA}')")
endif()

# Says why the backend is not built: an error when it was asked for (ON), a note otherwise.
macro(llie_cuda_unavailable why)
  if(_llie_cuda_mode STREQUAL "ON")
    message(FATAL_ERROR "LLIE_CUDA=ON but ${why}")
  endif()
  message(STATUS "CUDA backend: not built (${why})")
endmacro()

if(_llie_cuda_mode STREQUAL "OFF")
  message(STATUS "CUDA backend: not built (LLIE_CUDA=OFF)")
  return()
endif()

include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  llie_cuda_unavailable("no CUDA compiler (nvcc) was found")
  return()
endif()
find_package(CUDAToolkit)
if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublas)
  llie_cuda_unavailable("the CUDA toolkit with cuBLAS was not found")
  return()
endif()
find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
find_library(CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
if(NOT CUDNN_INCLUDE_DIR OR NOT CUDNN_LIBRARY)
  llie_cuda_unavailable("cuDNN (cudnn.h and libcudnn) was not found")
  return()
endif()

if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "90-real;80-virtual")
endif()
enable_language(CUDA)
set(LLIE_HAVE_CUDA ON)
message(STATUS "CUDA backend: built (${CMAKE_CUDA_COMPILER}, architectures "
               "${CMAKE_CUDA_ARCHITECTURES}, cuDNN ${CUDNN_LIBRARY})")

file(GLOB LLIE_CUDA_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/backends/cuda/*.cpp
     ${PROJECT_SOURCE_DIR}/backends/cuda/*.cu)
add_library(llie_cuda STATIC ${LLIE_CUDA_SOURCES})
# The .cu files hold only kernels and their launchers (no project headers), so C++17 suffices.
set_target_properties(llie_cuda PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON)
target_include_directories(llie_cuda PRIVATE ${CUDNN_INCLUDE_DIR} ${CUDAToolkit_INCLUDE_DIRS})
# -Wall etc. are host-compiler options: hand them to nvcc's host compiler, not to nvcc itself.
target_compile_options(llie_cuda PRIVATE
                       $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-unused-parameter>)
# llie_cuda uses the shared geometry helpers of llie_backends and llie_backends creates the cuda
# backend: a cycle of static libraries, which CMake links by repeating them. The CUDA libraries
# are private so their include directories do not reach (and recompile) every other target.
# cuBLAS is opened at run time (backends/cuda/cublas_api.h), not linked: linking it would add
# ~210 MB to every llie process's resident memory, GPU or not.
target_link_libraries(llie_cuda PUBLIC llie_compiler PRIVATE llie_backends CUDA::cudart
                      ${CUDNN_LIBRARY} ${CMAKE_DL_LIBS})
target_compile_definitions(llie_cuda PRIVATE LLIE_CUBLAS_DIR="${CUDAToolkit_LIBRARY_DIR}")
target_link_libraries(llie_backends PUBLIC llie_cuda)
set_property(SOURCE ${PROJECT_SOURCE_DIR}/backends/backend.cpp APPEND PROPERTY
             COMPILE_DEFINITIONS LLIE_HAVE_CUDA)
