// Symbolic dimension arithmetic: the affine Dim forms that shape inference relies on.
#include "compiler/ir/types.h"

#include <gtest/gtest.h>

using namespace llie;

TEST(Dim, StrideTwoConvHalvesADivisibleSymbolExactly) {
  SymbolTable syms;
  int32_t h = syms.add("H");
  syms.divisors[h] = 16;
  Dim d = Dim::symbol(h);
  // conv k=3, s=2, p=1: floor((H + 2 - 3) / 2) + 1
  auto out = dimFloorDiv(dimAdd(d, -1), 2, syms);
  ASSERT_TRUE(out.has_value());
  Dim r = dimAdd(*out, 1);
  EXPECT_EQ(dimToString(r, syms), "H/2");
  EXPECT_EQ(r.eval({64}), 32);
  // Four halvings reach H/16; a fifth needs H % 32 == 0.
  Dim q = r;
  for (int i = 0; i < 3; ++i)
    q = dimAdd(*dimFloorDiv(dimAdd(q, -1), 2, syms), 1);
  EXPECT_EQ(dimToString(q, syms), "H/16");
  EXPECT_FALSE(dimFloorDiv(dimAdd(q, -1), 2, syms).has_value());
  EXPECT_EQ(divisorNeeded(dimAdd(q, -1), 2, syms), 32);
}

TEST(Dim, UpsampleAndAddKeepAffineForm) {
  SymbolTable syms;
  int32_t w = syms.add("W");
  syms.divisors[w] = 8;
  Dim q = *dimExactDiv(Dim::symbol(w), 8, syms);
  EXPECT_EQ(dimToString(q, syms), "W/8");
  EXPECT_EQ(dimToString(dimMul(q, 2), syms), "W/4");
  EXPECT_EQ(dimToString(dimMul(q, 8), syms), "W");
  EXPECT_EQ(dimMul(q, 8), Dim::symbol(w));
  auto s = dimAddDim(dimMul(q, 2), Dim::constant(3));
  ASSERT_TRUE(s);
  EXPECT_EQ(dimToString(*s, syms), "W/4+3");
  EXPECT_EQ(s->eval({400}), 103);
  EXPECT_FALSE(dimExactDiv(Dim::symbol(w), 16, syms).has_value());
}

TEST(Dim, ConstantsFloorTowardMinusInfinity) {
  SymbolTable syms;
  EXPECT_EQ(dimFloorDiv(Dim::constant(-3), 2, syms)->off, -2);
  EXPECT_EQ(dimFloorDiv(Dim::constant(7), 2, syms)->off, 3);
  EXPECT_FALSE(dimExactDiv(Dim::constant(7), 2, syms).has_value());
}
