"""mpmath evaluation of a sympy expression with a running rounding-error bound (for
:mod:`proofs_check.symbolic`).

Alongside each value a bound ``E`` is propagated through the expression tree (first-order
rounding-error analysis: sums add the bounds of their terms, products and powers propagate
relative bounds, a function f adds ``|f'(x)| E_x``); ``E`` is "the size of the terms".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    import sympy

def _mp_number(node: sympy.Expr, dps: int):
    import mpmath
    import sympy

    value = sympy.N(node, dps + 10)
    re, im = value.as_real_imag()
    re_mp = mpmath.mpf(sympy.Float(re, dps + 10)._mpf_)
    if im == 0:
        return re_mp
    return mpmath.mpc(re_mp, mpmath.mpf(sympy.Float(im, dps + 10)._mpf_))


class _Evaluator:
    """Evaluate a sympy expression with mpmath at the current precision, with error bound E.

    ``E`` is in units of the working epsilon: the computed value differs from the exact value
    of the expression at the (exact) sample point by about ``eps * E``.
    """

    def __init__(self, dps: int):
        self.dps = dps
        self._funcs: dict[Any, Callable] = {}
        self._partials: dict[Any, list[Callable | None]] = {}
        self._fallback: dict[Any, tuple[list, Callable]] = {}

    def _function(self, node):
        import sympy

        key = (node.func, len(node.args))
        if key not in self._funcs:
            dummies = [sympy.Dummy(f"x{i}", real=True) for i in range(len(node.args))]
            applied = node.func(*dummies)
            self._funcs[key] = sympy.lambdify(dummies, applied, modules="mpmath")
            partials: list[Callable | None] = []
            for d in dummies:
                try:
                    der = sympy.diff(applied, d)
                    if der.has(sympy.Derivative, sympy.Subs, sympy.DiracDelta):
                        raise ValueError
                    partials.append(sympy.lambdify(dummies, der, modules="mpmath"))
                except Exception:
                    partials.append(None)
            self._partials[key] = partials
        return self._funcs[key], self._partials[key]

    def evaluate(self, expr: sympy.Expr, point: Mapping[sympy.Symbol, Any]):
        import mpmath
        import sympy

        memo: dict[Any, tuple[Any, Any]] = {}

        def ev(node):
            hit = memo.get(node)
            if hit is not None:
                return hit
            if node.is_Symbol:
                out = (point[node], mpmath.mpf(0))  # sample points are exact binary floats
            elif node.is_Integer:
                out = (mpmath.mpf(int(node)), mpmath.mpf(0))
            elif node.is_Number or node.is_NumberSymbol or node is sympy.I:
                v = _mp_number(node, self.dps)
                out = (v, abs(v))
            elif node.is_Add:
                vals = [ev(a) for a in node.args]
                v = mpmath.fsum(x[0] for x in vals)
                out = (v, mpmath.fsum(x[1] for x in vals) + abs(v))
            elif node.is_Mul:
                vals = [ev(a) for a in node.args]
                absv = [abs(x[0]) for x in vals]
                v = mpmath.fprod(x[0] for x in vals)
                # first order: sum_i E_i * prod_{j != i} |v_j|, via prefix/suffix products
                k = len(vals)
                suffix = [mpmath.mpf(1)] * (k + 1)
                for i in range(k - 1, -1, -1):
                    suffix[i] = suffix[i + 1] * absv[i]
                err = mpmath.mpf(0)
                prefix = mpmath.mpf(1)
                for i, (_, e_i) in enumerate(vals):
                    if e_i:
                        err += e_i * prefix * suffix[i + 1]
                    prefix *= absv[i]
                out = (v, err + abs(v))
            elif node.is_Pow:
                (vb, eb), (ve, ee) = ev(node.base), ev(node.exp)
                if node.exp.is_Integer:
                    n = int(node.exp)
                    if n == 0:
                        out = (mpmath.mpf(1), mpmath.mpf(0))
                    else:
                        if n < 0 and vb == 0:
                            raise ZeroDivisionError
                        v = vb ** n
                        out = (v, abs(n) * abs(vb) ** (n - 1) * eb + abs(v) if eb else abs(v))
                else:
                    v = mpmath.power(vb, ve)
                    if vb == 0:
                        out = (v, abs(v) + eb)
                    else:
                        rel = abs(ve) * eb / abs(vb) + abs(mpmath.log(vb)) * ee + 1
                        out = (v, abs(v) * rel)
            elif isinstance(node, sympy.Function) and node.args:
                f, partials = self._function(node)
                vals = [ev(a) for a in node.args]
                args = [x[0] for x in vals]
                v = f(*args)
                err = abs(v)
                for (vi, ei), dfi in zip(vals, partials):
                    if not ei:
                        continue
                    try:
                        if dfi is None:
                            raise ValueError
                        err += abs(dfi(*args)) * ei
                    except Exception:
                        err += ei * max(mpmath.mpf(1), abs(v) / abs(vi) if vi else mpmath.mpf(1))
                out = (v, err)
            else:  # Piecewise, Max, ...: evaluate as a whole; bound = its own size
                key = node
                if key not in self._fallback:
                    syms = sorted(node.free_symbols, key=lambda s: s.name)
                    self._fallback[key] = (syms, sympy.lambdify(syms, node, modules="mpmath"))
                syms, f = self._fallback[key]
                v = f(*[point[s] for s in syms])
                out = (v, abs(v))
            memo[node] = out
            return out

        return ev(expr)
