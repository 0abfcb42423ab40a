// The cuda backend's failure paths, which need no GPU and so run everywhere it is built: the
// checked-call helpers' messages for synthetic failing statuses of each library, createBackend
// ("cuda") as an error value when there is no device, and the refusal of settings a kernel does
// not take (op name, backend, reason and .llie span).
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_context.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

namespace llie::cuda {
namespace {

TEST(CudaCheck, RuntimeFailureNamesCallFileLineAndError) {
  Status st = checkCall(cudaErrorMemoryAllocation, "cudaMalloc(&p, bytes)",
                        "/somewhere/llie/backends/cuda/cuda_backend.cpp", 42);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), "cudaMalloc(&p, bytes) failed at backends/cuda/cuda_backend.cpp:42: "
                          "cudaErrorMemoryAllocation: out of memory");
}

TEST(CudaCheck, CudnnFailureCarriesCudnnText) {
  Status st = checkCall(CUDNN_STATUS_BAD_PARAM, "cudnnSetTensor4dDescriptor(d, ...)",
                        "backends/cuda/conv2d.cpp", 7);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), std::string("cudnnSetTensor4dDescriptor(d, ...) failed at "
                                      "backends/cuda/conv2d.cpp:7: cuDNN status ") +
                              std::to_string(static_cast<int>(CUDNN_STATUS_BAD_PARAM)) + ": " +
                              cudnnGetErrorString(CUDNN_STATUS_BAD_PARAM));
  EXPECT_NE(st.message().find("BAD_PARAM"), std::string::npos) << st.message();
}

TEST(CudaCheck, CublasFailureCarriesStatusName) {
  Status st = checkCall(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSgemm(h, ...)", "matmul.cpp", 3);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message().rfind("cublasSgemm(h, ...) failed at matmul.cpp:3: "
                               "CUBLAS_STATUS_NOT_INITIALIZED: ",
                               0),
            0u)
      << st.message();
}

TEST(CudaCheck, SuccessIsOk) {
  EXPECT_TRUE(checkCall(cudaSuccess, "x", "f", 1).isOk());
  EXPECT_TRUE(checkCall(CUDNN_STATUS_SUCCESS, "x", "f", 1).isOk());
  EXPECT_TRUE(checkCall(CUBLAS_STATUS_SUCCESS, "x", "f", 1).isOk());
}

Status tryMacro(cudnnStatus_t s) {
  LLIE_CUDA_TRY(s);
  return Status::ok();
}

TEST(CudaCheck, TryMacroReturnsTheErrorWithThisFileAndTheCallText) {
  Status st = tryMacro(CUDNN_STATUS_NOT_SUPPORTED);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message().rfind("s failed at ", 0), 0u) << st.message();
  EXPECT_NE(st.message().find("cuda_errors_test.cpp:"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(cudnnGetErrorString(CUDNN_STATUS_NOT_SUPPORTED)), std::string::npos);
}

TEST(CudaCheck, CheckMacroThrowsCudaError) {
  try {
    LLIE_CUDA_CHECK(cudaErrorInvalidValue);
    FAIL() << "no exception";
  } catch (const CudaError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.rfind("cudaErrorInvalidValue failed at ", 0), 0u) << m;
    EXPECT_NE(m.find("cudaErrorInvalidValue: invalid argument"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(LLIE_CUDA_CHECK(cudaSuccess));
}

TEST(CudaBackendCreation, ErrorValueWithoutDevice) {
  int count = 0;
  bool haveDevice = cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
  cudaGetLastError();
  auto be = createBackend("cuda");
  if (haveDevice) {
    ASSERT_TRUE(be.ok()) << be.status().message();
    EXPECT_STREQ((*be)->name(), "cuda");
    return;
  }
  ASSERT_FALSE(be.ok());
  EXPECT_EQ(be.status().message().rfind("no CUDA device: ", 0), 0u) << be.status().message();
  // A second attempt fails the same way (nothing sticky, no crash).
  auto again = createBackend("cuda");
  EXPECT_FALSE(again.ok());
}

TEST(CudaBackendRefusal, RefusedSettingsNameOpBackendReasonAndSpan) {
  // Every op of ops.def has a cuda kernel; conv_transpose2d with output padding not smaller than
  // the stride (valid in PyTorch when the dilation is larger) is one its kernel refuses.
  Graph g;
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, bt::f32({1, 2, 4, 4}));
  ValueId w = g.add(OpKind::Input, InputAttrs{"w"}, {}, bt::f32({2, 3, 3, 3}));
  ConvTranspose2dAttrs a;
  a.dilation = {2, 2}, a.outputPadding = {1, 1}; // stride 1: OH = 3 + 2·2 + 1 + 1 = 9
  SourceSpan at{0, 12, 5, 3};
  ValueId y = g.add(OpKind::ConvTranspose2d, a, {x, w}, bt::f32({1, 3, 9, 9}), at);
  const Node& n = g.nodes[g.value(y).producer];
  Status st = checkNode(g, n);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), "op 'conv_transpose2d' is not supported by the cuda backend (output "
                          "padding not smaller than the stride)");
  EXPECT_EQ(st.diagnostics()[0].span.line, 12);
  EXPECT_EQ(st.diagnostics()[0].span.col, 5);
}

TEST(CudaBackendRefusal, NonF32TensorIsRefusedWithReason) {
  Graph g;
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, bt::typed({4}, DType::I64));
  ValueId y = g.add(OpKind::Relu, NoAttrs{}, {x}, bt::typed({4}, DType::I64));
  Status st = checkNode(g, g.nodes[g.value(y).producer]);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), "op 'relu' is not supported by the cuda backend (input 0 is i64, the "
                          "cuda kernels take f32)");
}

TEST(CudaBackendRefusal, FusedWhereIsRefusedForItsBoolCondition) {
  Graph g;
  ValueId c = g.add(OpKind::Input, InputAttrs{"c"}, {}, bt::typed({2, 3}, DType::Bool));
  ValueId a = g.add(OpKind::Input, InputAttrs{"a"}, {}, bt::f32({2, 3}));
  ValueId y = g.add(OpKind::FusedElementwise, FusedElementwiseAttrs{"where(%0, %1, neg(%1))"},
                    {c, a}, bt::f32({2, 3}));
  Status st = checkNode(g, g.nodes[g.value(y).producer]);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), "op 'fused_elementwise' is not supported by the cuda backend (input 0 "
                          "is bool, the cuda kernels take f32)");
}

TEST(CudaBackendRefusal, PerSampleConvWeightsAreRefusedWithReason) {
  Graph g;
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, bt::f32({2, 3, 5, 5}));
  ValueId w = g.add(OpKind::Input, InputAttrs{"w"}, {}, bt::f32({2, 3, 3, 3}));
  Conv2dAttrs a;
  a.groups = 3, a.perSample = true, a.pad = {1, 1, 1, 1};
  ValueId y = g.add(OpKind::Conv2d, a, {x, w}, bt::f32({2, 3, 5, 5}));
  Status st = checkNode(g, g.nodes[g.value(y).producer]);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), "op 'conv2d' is not supported by the cuda backend (per-sample weights)");
}

TEST(CudaBackendRefusal, ImplementedOpIsAccepted) {
  Graph g;
  ValueId a = g.add(OpKind::Input, InputAttrs{"a"}, {}, bt::f32({2, 3}));
  ValueId b = g.add(OpKind::Input, InputAttrs{"b"}, {}, bt::f32({3}));
  ValueId y = g.add(OpKind::Add, NoAttrs{}, {a, b}, bt::f32({2, 3}));
  EXPECT_TRUE(checkNode(g, g.nodes[g.value(y).producer]).isOk());
}

} // namespace
} // namespace llie::cuda
