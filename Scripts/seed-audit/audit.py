#!/usr/bin/env python3
"""
Independent numerical audit of the back-propagation lecture notes in
shared/seeds/ (next to this repository) (000 ... 004).

Everything is recomputed from scratch with mpmath at 60 significant digits;
the value stored as "computed" is that exact value converted to a Python
float (full double precision).  Every formula the notes state is checked
numerically, normally against central finite differences taken at 60-digit
precision (step 1e-30, so the finite difference is correct to ~1e-30).

Run:   python3 audit.py            -> writes audit.json and AUDIT.md next to it
       (the copies in the repository are Tests/Fixtures/seed-audit.json and Docs/SeedAudit.md)
       python3 audit.py --check    -> only prints the verdict counts

Verdict rules (applied mechanically by num()):
  MATCH    the correct value rounded half-up to the printed number of decimals
           equals the printed string.
  ROUNDING not MATCH, but the printed string is explained by
             (a) truncating the correct value instead of rounding it, or
             (b) evaluating the correct formula on the document's own printed
                 (rounded) intermediates, then rounding or truncating, or
             (c) one unit in the last printed digit (only applied when the
                 printed number has >= 3 significant digits, otherwise a
                 1-unit difference in "0.03" would be a 30 % error).
  WRONG    anything else.  The note gives the correct value and the likely
           cause; where the document used a wrong method, the value of that
           wrong method is recomputed and stored in "document_method_value".
Formulas / claims get MATCH (mathematically correct, possibly after discounting
evident extraction noise, which the note then names) or WRONG.
"""
import json
import os
import random
import sys
from decimal import Decimal, ROUND_HALF_UP, ROUND_DOWN

import mpmath as mp

mp.mp.dps = 60
M = mp.mpf
HERE = os.path.dirname(os.path.abspath(__file__))
FD_H = M('1e-30')


# ----------------------------------------------------------------------------
# basic maths
# ----------------------------------------------------------------------------
def sig(z):
    return 1 / (1 + mp.exp(-z))


def dsig(z):
    s = sig(z)
    return s * (1 - s)


def tanh(z):
    return mp.tanh(z)


def dtanh(z):
    return 1 - mp.tanh(z) ** 2


def ident(z):
    return z


def dident(z):
    return M(1)


def fd(f, x):
    """central finite difference of scalar f at scalar x (60-digit arithmetic)"""
    return (f(x + FD_H) - f(x - FD_H)) / (2 * FD_H)


def fl(x):
    return float(x)


def matvec(W, v):
    return [mp.fsum(W[i][j] * v[j] for j in range(len(v))) for i in range(len(W))]


def mk(rows):
    return [[M(str(v)) for v in r] for r in rows]


def vec(vals):
    return [M(str(v)) for v in vals]


# ---- generic dense network, W[i][j]: weight INTO unit i FROM unit j ---------
def forward(layers, x):
    zs, acts = [], [list(x)]
    for L in layers:
        z = [s + b for s, b in zip(matvec(L['W'], acts[-1]), L['b'])]
        zs.append(z)
        acts.append([L['act'](t) for t in z])
    return zs, acts


def half_sse(a, y):
    return mp.fsum((ai - yi) ** 2 for ai, yi in zip(a, y)) / 2


def loss_of(layers, x, y, loss=half_sse):
    return loss(forward(layers, x)[1][-1], y)


def key_equation_grads(layers, x, y, dloss=lambda a, y: [ai - yi for ai, yi in zip(a, y)]):
    """the vectorised 'key equations':  dL/dW = delta a^T, dL/db = delta,
       delta^l = (W^{l+1 T} delta^{l+1}) (.) g'(z^l),  base delta^L = dL/da (.) g'(z^L)"""
    zs, acts = forward(layers, x)
    delta = [g * layers[-1]['dact'](z) for g, z in zip(dloss(acts[-1], y), zs[-1])]
    grads = [None] * len(layers)
    deltas = [None] * len(layers)
    for l in reversed(range(len(layers))):
        deltas[l] = list(delta)
        grads[l] = ([[delta[i] * acts[l][j] for j in range(len(acts[l]))] for i in range(len(delta))],
                    list(delta))
        if l > 0:
            W = layers[l]['W']
            back = [mp.fsum(W[i][j] * delta[i] for i in range(len(delta))) for j in range(len(acts[l]))]
            delta = [back[j] * layers[l - 1]['dact'](zs[l - 1][j]) for j in range(len(back))]
    return grads, deltas, zs, acts


def fd_grads(layers, x, y, loss=half_sse):
    out = []
    for l, L in enumerate(layers):
        gW = []
        for i in range(len(L['W'])):
            row = []
            for j in range(len(L['W'][i])):
                def f(t, l=l, i=i, j=j):
                    old = layers[l]['W'][i][j]
                    layers[l]['W'][i][j] = t
                    v = loss_of(layers, x, y, loss)
                    layers[l]['W'][i][j] = old
                    return v
                row.append(fd(f, L['W'][i][j]))
            gW.append(row)
        gb = []
        for i in range(len(L['b'])):
            def f(t, l=l, i=i):
                old = layers[l]['b'][i]
                layers[l]['b'][i] = t
                v = loss_of(layers, x, y, loss)
                layers[l]['b'][i] = old
                return v
            gb.append(fd(f, L['b'][i]))
        out.append((gW, gb))
    return out


def max_grad_diff(g1, g2):
    m = M(0)
    for (W1, b1), (W2, b2) in zip(g1, g2):
        for r1, r2 in zip(W1, W2):
            for a, b in zip(r1, r2):
                m = max(m, abs(a - b))
        for a, b in zip(b1, b2):
            m = max(m, abs(a - b))
    return m


# ----------------------------------------------------------------------------
# audit-entry helpers
# ----------------------------------------------------------------------------
def parse_printed(s):
    t = s.replace('\u2212', '-').replace(' ', '')
    if '·10^' in t:
        mant, ex = t.split('·10^')
        return Decimal(mant).scaleb(int(ex.strip('{}')))
    return Decimal(t)


def to_dec(x):
    return Decimal(mp.nstr(x, 50, strip_zeros=False))


def sig_digits(d):
    digs = list(d.as_tuple().digits)
    while digs and digs[0] == 0:
        digs.pop(0)
    return len(digs)


def num(quantity, printed, exact, *, from_printed=None, note='', cause=None,
        doc_method=None, line=None):
    """one audited printed number.
    exact        : the correct value (mpf)
    from_printed : (description, value) - the correct formula evaluated on the
                   document's own printed rounded intermediates
    doc_method   : (description, value) - what the document's (wrong) method gives
    cause        : explanation used when the verdict is WRONG"""
    P = parse_printed(printed)
    q = Decimal(1).scaleb(P.as_tuple().exponent)
    X = to_dec(exact)
    r = X.quantize(q, rounding=ROUND_HALF_UP)
    e = {'quantity': quantity, 'printed': printed, 'computed': fl(exact),
         'correctly_rounded': str(r)}
    if line:
        e['line'] = line
    reasons = []
    if from_printed is not None:
        e['recomputed_from_printed_inputs'] = {'how': from_printed[0], 'value': fl(from_printed[1])}
    if doc_method is not None:
        e['document_method_value'] = {'how': doc_method[0], 'value': fl(doc_method[1])}
    if r == P:
        verdict = 'MATCH'
    else:
        if X.quantize(q, rounding=ROUND_DOWN) == P:
            reasons.append(f'truncating the exact value {mp.nstr(exact, 10)} gives {printed} '
                           f'(correct rounding is {r})')
        if from_printed is not None:
            FP = to_dec(from_printed[1])
            if FP.quantize(q, rounding=ROUND_HALF_UP) == P:
                reasons.append(f'{from_printed[0]} = {mp.nstr(from_printed[1], 10)} rounds to {printed} '
                               f'(arithmetic on the document\'s rounded intermediates)')
            elif FP.quantize(q, rounding=ROUND_DOWN) == P:
                reasons.append(f'{from_printed[0]} = {mp.nstr(from_printed[1], 10)} truncates to {printed}')
        if sig_digits(P) >= 3 and abs(P - r) == q:
            reasons.append(f'one unit in the last digit (correct rounding {r})')
        verdict = 'ROUNDING' if reasons else 'WRONG'
    e['verdict'] = verdict
    parts = [note] if note else []
    if verdict == 'ROUNDING':
        parts.append('Rounding only: ' + '; '.join(reasons) + '.')
    if verdict == 'WRONG':
        if r == 0 and exact != 0:
            parts.append(f'Correct value {mp.nstr(exact, 10)} (to the printed precision: {r}, i.e. '
                         f'{mp.nstr(exact, 2)}).')
        else:
            parts.append(f'Correct value {mp.nstr(exact, 10)} (to the printed precision: {r}).')
        if cause:
            parts.append('Likely cause: ' + cause)
        if doc_method is not None:
            parts.append(f'Document\'s method ({doc_method[0]}) gives {mp.nstr(doc_method[1], 8)}.')
    e['note'] = ' '.join(parts)
    e['kind'] = 'number'
    return e


def formula(quantity, printed, verdict, note, evidence=None, kind='formula', line=None):
    printed = printed.replace("\\'", "'")
    note = note.replace("\\'", "'")
    e = {'quantity': quantity, 'printed': printed, 'computed': evidence,
         'verdict': verdict, 'note': note, 'kind': kind}
    if line:
        e['line'] = line
    return e


def _flt(v):
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [_flt(t) for t in v]
    return fl(v)


def param(name, printed, value, how):
    return {'name': name, 'printed': printed, 'value': _flt(value), 'how': how}


def ref(quantity, value, note=''):
    return {'quantity': quantity, 'computed': fl(value), 'note': note}


def ev(**kw):
    """evidence dict -> floats"""
    out = {}
    for k, v in kw.items():
        if isinstance(v, (mp.mpf, int, float)):
            out[k] = fl(v)
        elif isinstance(v, (list, tuple)):
            out[k] = [fl(t) if isinstance(t, (mp.mpf, int, float)) else t for t in v]
        else:
            out[k] = v
    return out


EXAMPLES = []
NARR = {}

# ============================================================================
# 1. regression-2d   (000_c92abe6349066ab2.txt)
# ============================================================================
def ex_regression_2d():
    src = '000_c92abe6349066ab2.txt'
    A = []
    # our own demonstration data (document prints no data set)
    X = [vec(p) for p in [(1.0, 2.0), (2.0, 1.0), (3.0, -1.0), (-1.0, 0.5), (0.5, 0.5)]]
    Y = [2 * x1 - 3 * x2 for x1, x2 in X]
    w0 = vec((0.1, -0.2))

    def E(w):
        return mp.fsum((w[0] * x[0] + w[1] * x[1] - y) ** 2 for x, y in zip(X, Y))

    def grad(w):
        return [mp.fsum(2 * (w[0] * x[0] + w[1] * x[1] - y) * x[k] for x, y in zip(X, Y)) for k in range(2)]

    g_an = grad(w0)
    g_fd = [fd(lambda t: E([t, w0[1]]), w0[0]), fd(lambda t: E([w0[0], t]), w0[1])]
    # Hessian of E = 2 X^T X ; its largest eigenvalue fixes the stable step size
    XtX = [[mp.fsum(x[i] * x[j] for x in X) for j in range(2)] for i in range(2)]
    H = mp.matrix([[2 * XtX[i][j] for j in range(2)] for i in range(2)])
    lam = sorted(mp.eig(H)[0], key=lambda t: mp.re(t))
    lmax = mp.re(lam[-1])
    a_crit = 2 / lmax

    def run(alpha, n):
        w = list(w0)
        costs = [E(w)]
        for _ in range(n):
            g = grad(w)
            w = [w[k] - alpha * g[k] for k in range(2)]
            costs.append(E(w))
        return w, costs

    w_good, c_good = run(M('0.02'), 400)
    w_bad, c_bad = run(M('0.08'), 10)
    mono_good = all(c_good[i + 1] <= c_good[i] for i in range(len(c_good) - 1))

    A.append(formula('neuron h', r'h = f(\sum_j w_j x_j) = f(x_1 w_1 + x_2 w_2),  f(z) = z', 'MATCH',
                     'Linear neuron without bias; definition, consistent throughout.', line='35,43'))
    A.append(formula('cost E(W) (SSE)', r'E(W) = \sum_i^n (h_i - y_i)^2 = \sum_i^n ((w_1 x_1^i + w_2 x_2^i) - y_i)^2',
                     'MATCH',
                     'Sum of squared errors; the two printed lines are equal by substitution of h. Its gradient '
                     '(not printed) is dE/dw_k = 2 sum_i (h_i - y_i) x_k^i; checked against finite differences on '
                     'our demonstration data.',
                     ev(analytic_grad=g_an, finite_difference_grad=g_fd,
                        max_abs_diff=max(abs(a - b) for a, b in zip(g_an, g_fd))), line='65'))
    A.append(formula('gradient-descent update', r'w_i := w_i - \alpha \times \partial E(W)/\partial w_i ; '
                     r'[w_1, w_2]^T <= [w_1, w_2]^T - \alpha \nabla E(w_1, w_2)', 'MATCH',
                     'Standard update. On our data (5 points, y = 2x1 - 3x2, start (0.1, -0.2)) 400 steps with '
                     'alpha = 0.02 reach w = (%s, %s), E = %s.' % (mp.nstr(w_good[0], 12), mp.nstr(w_good[1], 12),
                                                                    mp.nstr(c_good[-1], 3)),
                     ev(w_after_400_steps=w_good, E_after=c_good[-1]), line='78,91,285,309'))
    A.append(formula('direction of steepest descent', r'Gradient -\nabla E(w_1, w_2) will always point to the steepest direction down the bowl',
                     'MATCH',
                     'Correct when read as the NEGATIVE gradient, as line 270 renders it ($-\\nabla E$). Lines 214/225/236/'
                     '246/257 show "Gradient – $\\nabla E$" with an en-dash outside the math: extraction noise of the '
                     'same slide, not a real error (read literally, +grad E points UP the bowl). Checked: the '
                     'directional derivative along -grad/|grad| equals -|grad E|, the minimum over unit directions.',
                     ev(grad_norm=mp.sqrt(g_an[0] ** 2 + g_an[1] ** 2),
                        directional_derivative_along_minus_grad=-(g_an[0] ** 2 + g_an[1] ** 2) / mp.sqrt(g_an[0] ** 2 + g_an[1] ** 2)),
                     line='214,270'))
    A.append(formula('quiz: what does grad E control', 'Direction step Yes!!! / Length step Yes!!! / Both Yes!!!', 'MATCH',
                     'The step is -alpha*grad E, so grad E sets both its direction and (with alpha) its length.',
                     kind='claim', line='344-367'))
    A.append(formula('quiz: sign at the red point', r'gradient Negative -> Increase -> Right;  W - \alpha(-G) = W + \alpha(G) => W \uparrow',
                     'MATCH', 'Internally consistent (figure not in the text): a negative derivative makes the '
                     'update add alpha*|G|, so w increases and moves right.', kind='claim', line='401-434'))
    A.append(formula('claim: cost decreases at every update', 'Cost should be lower any time you update weights.', 'MATCH',
                     'True as a monitoring rule for full-batch gradient descent with a small enough step only: for '
                     'this quadratic cost the decrease is guaranteed iff alpha < 2/lambda_max(Hessian) = %s on our data. '
                     'With alpha = 0.02 the cost falls monotonically (%s); with alpha = 0.08 (still "between 0 and 1") '
                     'it grows from %s to %s in 10 steps, as the document\'s own "Big learning rate" slide warns.'
                     % (mp.nstr(a_crit, 6), 'monotone' if mono_good else 'NOT monotone',
                        mp.nstr(c_bad[0], 6), mp.nstr(c_bad[-1], 6)),
                     ev(alpha_critical=a_crit, lambda_max=lmax, cost_alpha_0p08=c_bad[:4] + [c_bad[-1]]),
                     kind='claim', line='311-312'))
    A.append(formula('claim: alpha usually between 0 and 1', 'Alpha is usually between 0 and 1.', 'MATCH',
                     'A rule of thumb only: the stable range depends on the data scale (here alpha must be < %s).'
                     % mp.nstr(a_crit, 4), kind='claim', line='447'))
    A.append(formula('stop criterion', r'|Cost(i - 1) - Cost(i)| < \epsilon  (or stop when the gradient is very small)',
                     'MATCH', 'Standard tolerance tests.', line='718'))

    # ---- log losses ----
    h = vec((0.7, 0.2, 0.1))
    yv = vec((1, 0, 0))
    cat = -mp.fsum(yc * mp.log(hc) for yc, hc in zip(yv, h))
    printed_multi = -mp.fsum(yc * mp.log(hc) + (1 - yc) * mp.log(1 - hc) for yc, hc in zip(yv, h))
    # binomial: derivative wrt logit = h - y  (m = 1)
    zlog, ylab = M('0.3'), M(1)
    bce = lambda z: -(ylab * mp.log(sig(z)) + (1 - ylab) * mp.log(1 - sig(z)))
    A.append(formula('binomial log loss', r'E(W) = -\frac{1}{m} \sum_{i=1}^m [y^i \log(h(x^i)) + (1 - y^i) \log(1 - h(x^i))]',
                     'MATCH', 'Standard binary cross-entropy. Check: with a sigmoid output, d/dz of one term equals '
                     'h - y.', ev(dE_dz_finite_difference=fd(bce, zlog), h_minus_y=sig(zlog) - ylab), line='469'))
    A.append(formula('multinomial log loss', r'E(W) = -\frac{1}{m} \sum_{c=1}^k \sum_{i=1}^m [y_c^i \log(h_c(x^i)) + (1 - y_c^i) \log(1 - h_c(x^i))]',
                     'WRONG',
                     'This is the sum of k one-vs-rest BINARY cross-entropies (the multi-label loss for k independent '
                     'sigmoid outputs), not the multinomial log loss. The multinomial (categorical, softmax) log loss '
                     'is E = -(1/m) sum_i sum_c y_c^i log h_c(x^i), without the (1-y) log(1-h) terms. '
                     'Example h = (0.7, 0.2, 0.1), y = (1, 0, 0): multinomial = -ln 0.7 = %s, printed formula = %s. '
                     'Real error in the slide (the formula is repeated identically 8 times), not extraction noise.'
                     % (mp.nstr(cat, 10), mp.nstr(printed_multi, 10)),
                     ev(multinomial_log_loss=cat, printed_formula_value=printed_multi), line='501,653'))
    A.append(formula('MSE, single output', r'MSE = E(W) = \frac{1}{m} \sum_{i=1}^m [y^i - h(x^i)]^2', 'MATCH',
                     'Standard. (Note the earlier SSE cost had no 1/m; both are fine, they differ by a constant factor '
                     'absorbed in alpha.)', line='668'))
    # multi-output MSE with missing class index
    yy = [vec((1, 0)), vec((0, 1))]
    hh = [vec((0.8, 0.3)), vec((0.4, 0.9))]
    k = 2
    correct = mp.fsum(mp.fsum((yy[i][c] - hh[i][c]) ** 2 for c in range(k)) for i in range(2)) / 2
    A.append(formula('MSE, multiple outputs', r'MSE = E(W) = \frac{1}{m} \sum_{c=1}^k \sum_{i=1}^m [y^i - h(x^i)]^2',
                     'WRONG',
                     'The class index c is missing inside the sum: as printed the summand does not depend on c, so '
                     'the double sum is just k times a single-output error. Should read [y_c^i - h_c(x^i)]^2. '
                     'Notation slip in the slide (repeated consistently), not extraction noise; the intended formula '
                     'is fine. Example m=2, k=2: correct value %s.' % mp.nstr(correct, 6),
                     ev(correct_value_example=correct), line='691'))

    # ---- back-prop formulas on a concrete 2-2-1 sigmoid network (ours) ----
    # document convention: w_ij^(l) connects neuron i in layer l to neuron j in layer l+1
    x = vec((0.05, 0.10))
    y = M('0.01')
    w1 = mk([[0.15, 0.25], [0.20, 0.30]])   # w1[i][j]: input i -> hidden j
    b1 = vec((0.35, 0.35))
    w2 = mk([[0.40], [0.45]])               # hidden j -> output 1
    b2 = vec((0.60,))

    def net(w1, b1, w2, b2):
        o2 = [mp.fsum(w1[i][j] * x[i] for i in range(2)) + b1[j] for j in range(2)]
        a2 = [sig(t) for t in o2]
        o3 = mp.fsum(w2[j][0] * a2[j] for j in range(2)) + b2[0]
        a3 = sig(o3)
        return o2, a2, o3, a3

    def Eof(w1, b1, w2, b2):
        return (y - net(w1, b1, w2, b2)[3]) ** 2     # m = 1

    o2, a2, o3, a3 = net(w1, b1, w2, b2)
    dE_do3_fd = fd(lambda t: (y - sig(t)) ** 2, o3)
    delta3_true = 2 * (a3 - y) * dsig(o3)
    delta3_printed = 2 * (y - a3) * dsig(o3)
    dE_da_fd = fd(lambda t: (y - t) ** 2, a3)
    # hidden deltas and gradients by the document's (correct) recursion, using the true output delta
    delta2 = [delta3_true * w2[j][0] * dsig(o2[j]) for j in range(2)]
    grads_doc = {'w11(1)': delta2[0] * x[0], 'w12(1)': delta2[1] * x[0], 'w21(1)': delta2[0] * x[1],
                 'w22(1)': delta2[1] * x[1], 'w11(2)': delta3_true * a2[0], 'w21(2)': delta3_true * a2[1],
                 'b1(1)': delta2[0], 'b2(1)': delta2[1], 'b1(2)': delta3_true}

    def fdw(name):
        import copy
        def f(t):
            W1, B1, W2, B2 = copy.deepcopy(w1), list(b1), copy.deepcopy(w2), list(b2)
            if name == 'w11(1)': W1[0][0] = t
            if name == 'w12(1)': W1[0][1] = t
            if name == 'w21(1)': W1[1][0] = t
            if name == 'w22(1)': W1[1][1] = t
            if name == 'w11(2)': W2[0][0] = t
            if name == 'w21(2)': W2[1][0] = t
            if name == 'b1(1)': B1[0] = t
            if name == 'b2(1)': B1[1] = t
            if name == 'b1(2)': B2[0] = t
            return Eof(W1, B1, W2, B2)
        base = {'w11(1)': w1[0][0], 'w12(1)': w1[0][1], 'w21(1)': w1[1][0], 'w22(1)': w1[1][1],
                'w11(2)': w2[0][0], 'w21(2)': w2[1][0], 'b1(1)': b1[0], 'b2(1)': b1[1], 'b1(2)': b2[0]}[name]
        return fd(f, base)

    gfd = {k: fdw(k) for k in grads_doc}
    maxdiff = max(abs(grads_doc[k] - gfd[k]) for k in grads_doc)
    A.append(formula('forward rule', r'a_j^{(l)} = f(o_j^{(l)}) = f(\sum_i w_{ij}^{(l-1)} a_i^{(l-1)} + b_j^{(l-1)})',
                     'MATCH', 'Consistent with the stated convention (w_ij^(l) joins neuron i of layer l to neuron j '
                     'of layer l+1).', line='801'))
    A.append(formula('weight gradient', r'\partial E/\partial w_{ij}^{(l)} = \delta_j^{(l+1)} a_i^{(l)}', 'MATCH',
                     'Checked on our 2-2-1 sigmoid network (x = (0.05, 0.10), y = 0.01, E = (y - a)^2, m = 1) for all '
                     '6 weights against finite differences (using the CORRECT output delta, see below).',
                     ev(max_abs_diff_vs_fd=maxdiff, dE_dw22_1=grads_doc['w22(1)'], fd_dE_dw22_1=gfd['w22(1)']),
                     line='824'))
    A.append(formula('bias gradient', r'\partial E/\partial b_j^{(l)} = \delta_j^{(l+1)}', 'MATCH',
                     'Checked with finite differences on the same network.',
                     ev(dE_db1_2=grads_doc['b1(2)'], fd=gfd['b1(2)']), line='827'))
    A.append(formula('hidden delta', r'\delta_j^{(l)} = \sum_k \delta_k^{(l+1)} \cdot w_{jk}^{(l)} \cdot f\'(o_j^{(l)})',
                     'MATCH', 'Correct recursion (index order w_jk matches the convention). Checked: delta_1^(2) = %s, '
                     'finite-difference dE/do_1^(2) = %s.' % (mp.nstr(delta2[0], 12),
                                                            mp.nstr(fd(lambda t: (y - sig(w2[0][0] * sig(t) + w2[1][0] * a2[1] + b2[0])) ** 2, o2[0]), 12)),
                     ev(delta_1_2=delta2[0]), line='833,844'))
    A.append(formula('delta_2^(2) example', r'\delta_2^{(2)} = \delta_1^{(3)} \cdot w_{2,1}^{(2)} \cdot f\'(o_2^{(2)})',
                     'MATCH', 'Single output unit, so the sum has one term.', ev(delta_2_2=delta2[1]), line='847'))
    A.append(formula('output-layer derivative step', r'\partial (y - a_j^{(l)})^2 / \partial a_j^{(l)} = 2(y - a_j^{(l)})',
                     'WRONG',
                     'Sign error: d/da (y - a)^2 = -2(y - a) = 2(a - y) (chain rule factor d(y-a)/da = -1 dropped). '
                     'At a = %s, y = 0.01: correct %s, printed formula %s. Real error in the slide, not extraction.'
                     % (mp.nstr(a3, 10), mp.nstr(dE_da_fd, 10), mp.nstr(2 * (y - a3), 10)),
                     ev(finite_difference=dE_da_fd, printed_formula_value=2 * (y - a3)), line='856'))
    # effect of using the printed (sign-flipped) delta in a gradient-descent step
    alpha = M('0.5')

    def step(d3):
        d2 = [d3 * w2[j][0] * dsig(o2[j]) for j in range(2)]
        W1 = [[w1[i][j] - alpha * d2[j] * x[i] for j in range(2)] for i in range(2)]
        B1 = [b1[j] - alpha * d2[j] for j in range(2)]
        W2 = [[w2[j][0] - alpha * d3 * a2[j]] for j in range(2)]
        B2 = [b2[0] - alpha * d3]
        return Eof(W1, B1, W2, B2)

    E0, Ecorr, Eprint = Eof(w1, b1, w2, b2), step(delta3_true), step(delta3_printed)
    A.append(formula('output delta', r'\delta_j^{(l)} = 2(y - a_j^{(l)}) \cdot f\'(o_j^{(l)});  \delta_1^{(3)} = 2(y - a_1^{(3)}) \cdot f\'(o_1^{(3)})',
                     'WRONG',
                     'Sign error inherited from the previous line: delta = dE/do = 2(a - y) f\'(o), i.e. the printed '
                     'value has the wrong sign (%s instead of %s; finite difference %s). Used in w := w - alpha*delta*a '
                     'it performs gradient ASCENT: one step with alpha = 0.5 on our network takes E from %s to %s, '
                     'whereas the correct delta gives %s. Also note the MSE above has a 1/m factor that the derivation '
                     'silently drops (fine for one sample, m = 1).'
                     % (mp.nstr(delta3_printed, 8), mp.nstr(delta3_true, 8), mp.nstr(dE_do3_fd, 8),
                        mp.nstr(E0, 8), mp.nstr(Eprint, 8), mp.nstr(Ecorr, 8)),
                     ev(printed_formula_value=delta3_printed, correct_delta=delta3_true, finite_difference=dE_do3_fd,
                        E_before=E0, E_after_step_correct_delta=Ecorr, E_after_step_printed_delta=Eprint),
                     line='856'))
    EXAMPLES.append({
        'id': 'regression-2d', 'source': src,
        'numbers_printed': False,
        'parameters': [
            param('data set', None, None, 'NOT printed (the cost-landscape figure is missing from the text). For the '
                  'numerical checks we use our own data: x = (1,2),(2,1),(3,-1),(-1,0.5),(0.5,0.5), y = 2*x1 - 3*x2.'),
            param('initial w', None, None, 'not printed; ours: w = (0.1, -0.2) ("small random numbers" as the slide advises)'),
            param('alpha', None, None, 'not printed; ours: 0.02 (converges) and 0.08 (diverges) to test the claims'),
            param('back-prop test network', None, None, 'not printed; ours: 2-2-1 sigmoid, w^(1) = [[0.15,0.25],[0.20,0.30]] '
                  '(row = input i, column = hidden j), b^(1) = (0.35,0.35), w^(2) = (0.40,0.45), b^(2) = 0.60, '
                  'x = (0.05,0.10), y = 0.01, E = (y - a)^2'),
        ],
        'audit': A,
        'reference_unprinted': [ref('alpha_critical (2/lambda_max) on our data', a_crit),
                                ref('w after 400 GD steps, alpha=0.02: w1', w_good[0]),
                                ref('w after 400 GD steps, alpha=0.02: w2', w_good[1])],
    })
    NARR['regression-2d'] = (
        "A linear neuron h = w1*x1 + w2*x2 (identity activation, no bias) fitted by gradient descent on a "
        "sum-of-squares cost, followed by alternative costs (binary and 'multinomial' log loss, MSE), stop criteria "
        "and a hand derivation of back-propagation deltas. **The document prints no numerical example** (data set "
        "and landscape exist only as missing figures), so every entry below is a formula or a claim, checked "
        "numerically on small data/networks we chose ourselves (stated in `parameters`).")


# ============================================================================
# 2. sigmoid-222   (001_6bc762e58b165d6e.txt)
# ============================================================================
def net222(W1, b1, W2, b2, x, act1=sig, dact1=dsig, act2=sig, dact2=dsig):
    return [{'W': W1, 'b': b1, 'act': act1, 'dact': dact1},
            {'W': W2, 'b': b2, 'act': act2, 'dact': dact2}]


def ex_sigmoid_222():
    src = '001_6bc762e58b165d6e.txt'
    A = []
    x = vec((0.05, 0.1))
    y = vec((0.01, 0.99))
    W1 = mk([[0.15, 0.2], [0.25, 0.3]])   # w_{i,j}^{[1]}: node i, input j
    b1 = vec((0.35, 0.35))
    W2 = mk([[0.4, 0.45], [0.5, 0.55]])
    b2 = vec((0.6, 0.6))
    layers = net222(W1, b1, W2, b2, x)
    grads, deltas, zs, acts = key_equation_grads(layers, x, y)
    z1, z2 = zs
    a1, a2 = acts[1], acts[2]
    L = half_sse(a2, y)

    P = lambda s: M(s)
    A.append(num('z_1^{[1]}', '0.3775', z1[0], line='720'))
    A.append(num('a_1^{[1]} = g(0.3775)', '0.5933', a1[0], line='720'))
    A.append(num('z_2^{[1]}', '0.3925', z1[1], line='722'))
    A.append(num('a_2^{[1]} = g(0.3925)', '0.5969', a1[1], line='722'))
    A.append(num('z_1^{[2]}', '1.106', z2[0],
                 from_printed=('0.4*0.5933 + 0.45*0.5969 + 0.6', P('0.4') * P('0.5933') + P('0.45') * P('0.5969') + P('0.6')),
                 note='Computed from a^{[1]} (the printed formula says x, see formula entry).', line='724'))
    A.append(num('a_1^{[2]} = \u1ef9^{(1)} = g(1.106)', '0.7514', a2[0], line='724'))
    A.append(num('z_2^{[2]}', '1.225', z2[1], line='727'))
    A.append(num('a_2^{[2]} = \u1ef9^{(2)} = g(1.225)', '0.7729', a2[1], line='727'))
    A.append(num('loss \u2112 = \u00bd\u2016(0.01, 0.99) \u2212 (0.7514, 0.7729)\u2016\u00b2', '0.2984', L,
                 from_printed=('0.5*((0.7514-0.01)^2 + (0.7729-0.99)^2)',
                               ((P('0.7514') - P('0.01')) ** 2 + (P('0.7729') - P('0.99')) ** 2) / 2),
                 note='Uses the correct loss ½[(ỹ1−y1)² + (ỹ2−y2)²] (the printed symbolic formula is wrong, see below).',
                 line='708'))
    A.append(num('\u2202\u2112/\u2202\u1ef9^{(1)} = \u1ef9^{(1)} \u2212 y^{(1)}', '0.7414', a2[0] - y[0], line='748'))
    A.append(num('\u2202\u1ef9^{(1)}/\u2202z_1^{[2]} = \u03c3(z)(1\u2212\u03c3(z))', '0.1868', dsig(z2[0]), line='749'))
    A.append(num('\u2202z_1^{[2]}/\u2202w_{1,1}^{[2]} = a_1^{[1]}', '0.5933', a1[0], line='750'))

    # ---- formulas ----
    wrongL = ((a2[0] - y[0]) ** 2 - (a2[1] - y[1]) ** 2) ** 2 / 2
    A.append(formula('loss function (vector output)',
                     r'\mathcal{L} = \frac{1}{2} \|(\tilde{y}^{(1)} - y^{(1)})^2 - (\tilde{y}^{(2)} - y^{(2)})^2\|^2',
                     'WRONG',
                     'As written (difference of the squared errors, then squared again) it evaluates to %s, not the '
                     'printed 0.2984. The intended loss is ½‖ỹ − y‖² = ½[(ỹ1−y1)² + (ỹ2−y2)²] = %s, which is what '
                     'the number 0.2984 and the derivative ∂ℒ/∂ỹ1 = ỹ1 − y1 actually use. Appears identically three '
                     'times (lines 706, 744, 759), so it is an error in the slide, not extraction noise.'
                     % (mp.nstr(wrongL, 8), mp.nstr(L, 8)),
                     ev(printed_formula_value=wrongL, correct_loss=L), line='706,744,759'))
    zx = [mp.fsum(W2[i][j] * x[j] for j in range(2)) + b2[i] for i in range(2)]
    A.append(formula('output pre-activation', r'z_1^{[2]} = \mathbf{w}_1^{[2]T} \mathbf{x} + b_1^{[2]}  (same for z_2^{[2]})',
                     'WRONG',
                     'Typo: the second layer takes a^{[1]}, not x. With x it would give z_1^{[2]} = %s, z_2^{[2]} = %s; '
                     'the printed 1.106 and 1.225 were computed (correctly) with a^{[1]}. The vectorised slides later '
                     'write W^{[2]} a^{[1]} correctly. Harmless for the numbers.' % (mp.nstr(zx[0], 6), mp.nstr(zx[1], 6)),
                     ev(value_with_x=zx), line='716-718,724,727'))
    A.append(formula('sigmoid-derivative factor notation', r'\sigma(\partial z_1^{[2]})(1 - \sigma(\partial z_1^{[2]}))',
                     'MATCH', 'Stray "∂" inside σ(·) — typographical/extraction noise; the intended σ(z)(1−σ(z)) is what '
                     'is evaluated (0.1868).', line='749'))
    A.append(formula('last chain factor notation', r'\partial z_1^{[2]}/\partial w_{1,1}^{[2]} = a_1^{[a]}', 'MATCH',
                     'Superscript "[a]" is a typo/extraction artefact for [1]; the value 0.5933 = a_1^{[1]} is right.',
                     line='750'))
    # two-path chain rule for w_{1,1}^{[1]}
    d2 = [(a2[k] - y[k]) * dsig(z2[k]) for k in range(2)]
    two_path = (d2[0] * W2[0][0] + d2[1] * W2[1][0]) * dsig(z1[0]) * x[0]
    gfd = fd_grads(layers, x, y)
    A.append(formula('two-path chain rule for ∂ℒ/∂w_{1,1}^{[1]}',
                     r'\partial L/\partial w_{1,1}^{[1]} = (\partial L/\partial \tilde y^{(1)})(\partial \tilde y^{(1)}/\partial z_1^{[2]})(\partial z_1^{[2]}/\partial a_1^{[1]})(\partial a_1^{[1]}/\partial z_1^{[1]})(\partial z_1^{[1]}/\partial w_{1,1}^{[1]}) + (same through \tilde y^{(2)}, z_2^{[2]})',
                     'MATCH', 'Evaluates to %s; finite difference %s.' % (mp.nstr(two_path, 12), mp.nstr(gfd[0][0][0][0], 12)),
                     ev(formula_value=two_path, finite_difference=gfd[0][0][0][0]), line='765'))
    # key equations
    md222 = max_grad_diff(grads, gfd)
    # 3-4-3-1 network as in the notation slides (d = 3, m1 = 4, m2 = 3, m3 = 1)
    rng = random.Random(514)
    R = lambda r, c: [[M(str(round(rng.uniform(-1, 1), 3))) for _ in range(c)] for _ in range(r)]
    Rv = lambda n: [M(str(round(rng.uniform(-1, 1), 3))) for _ in range(n)]
    big = [{'W': R(4, 3), 'b': Rv(4), 'act': sig, 'dact': dsig},
           {'W': R(3, 4), 'b': Rv(3), 'act': sig, 'dact': dsig},
           {'W': R(1, 3), 'b': Rv(1), 'act': sig, 'dact': dsig}]
    xb, yb = vec((0.5, -1.2, 2.0)), vec((0.3,))
    gk, _, _, _ = key_equation_grads(big, xb, yb)
    gf = fd_grads(big, xb, yb)
    mdbig = max_grad_diff(gk, gf)
    shapes = [(len(g[0]), len(g[0][0])) for g in gk]
    A.append(formula('key equation: weight gradient', r'\partial L/\partial W^{[\ell]} = \partial L/\partial z^{[\ell]} \, a^{[\ell-1]T}',
                     'MATCH', 'Checked for every weight of this 2-2-2 network and of a random 3-4-3-1 sigmoid network '
                     '(the notation slides\' architecture) against finite differences.',
                     ev(max_abs_diff_222=md222, max_abs_diff_3431=mdbig), line='914,926'))
    A.append(formula('key equation: bias gradient', r'\partial L/\partial b^{[\ell]} = \partial L/\partial z^{[\ell]}', 'MATCH',
                     'Included in the same finite-difference check.', ev(max_abs_diff_222=md222, max_abs_diff_3431=mdbig),
                     line='916,926'))
    A.append(formula('key equation: delta recursion', r'\partial L/\partial z^{[\ell]} = (W^{[\ell+1]T} \partial L/\partial z^{[\ell+1]}) \odot g\'(z^{[\ell]})',
                     'MATCH', 'The transpose is required (it is what makes the finite-difference check pass). For this '
                     'example: δ^{[1]} = (%s, %s).' % (mp.nstr(deltas[0][0], 10), mp.nstr(deltas[0][1], 10)),
                     ev(delta1=deltas[0], delta2=deltas[1]), line='899,930'))
    A.append(formula('key equation: base case', r'\partial L/\partial z^{[L]} = \partial L/\partial a^{[L]} \odot g\'(z^{[L]}),  with  \partial L/\partial a^{[L]} = a^{[L]} - y',
                     'MATCH', 'Correct for L = ½‖a − y‖² (line 852).', ev(delta2=deltas[1]), line='854,877,934'))
    A.append(formula('Jacobian of z w.r.t. previous activation', r'\partial z^{[\ell+1]}/\partial a^{[\ell]} = W^{[\ell+1]}',
                     'MATCH', 'Correct (numerator layout); hence the transpose in the recursion.', line='895'))
    A.append(formula('∂z/∂W notation', r'\partial z^{[\ell]}/\partial W^{[\ell]} = a^{[\ell-1]}', 'MATCH',
                     'Informal (the true derivative is a 3-index tensor), but it leads to the correct outer product δ a^T.',
                     line='910'))
    A.append(formula('dimension bookkeeping', '(4×1) = (4×3)(3×1) + (4×1); (3×1) = (3×4)(4×1)+(3×1); (1×1) = (1×3)(3×1)+(1×1); '
                     'W^{[1]} 4×3, W^{[2]} 3×4, W^{[3]} 1×3; δ^{[1]} chain "4×3 3×1 3×1 4×1"; ∂L/∂W^{[1]} "4×3 4×1 1×3"',
                     'MATCH', 'All consistent with d = 3, m^{[1]} = 4, m^{[2]} = 3, m^{[3]} = 1 (input size inferred from '
                     'the figure-less text). Gradient shapes computed: %s.' % shapes, ev(gradient_shapes=[f'{r}x{c}' for r, c in shapes]),
                     line='324-361,967,973'))
    # log loss
    aa, yy = M('0.7'), M(1)
    correct_ll = lambda a: -(yy * mp.log(a) + (1 - yy) * mp.log(1 - a))
    printed_ll = lambda a: -yy * mp.log(a) + (1 - yy) * mp.log(1 - a)
    aa2, yy2 = M('0.7'), M(0)
    printed_ll0 = -yy2 * mp.log(aa2) + (1 - yy2) * mp.log(1 - aa2)
    correct_ll0 = -(yy2 * mp.log(aa2) + (1 - yy2) * mp.log(1 - aa2))
    A.append(formula('log-loss (cross entropy)', r'\mathcal{L} = -y \log a^{[L]} + (1 - y) \log (1 - a^{[L]})', 'WRONG',
                     'Missing brackets: should be −[y log a + (1−y) log(1−a)]. As printed the second term has the wrong '
                     'sign, e.g. a = 0.7, y = 0 gives %s (negative, and it DEcreases as the prediction gets worse) '
                     'instead of %s. Could be a bracket lost in extraction, but the rest of the LaTeX is intact, so '
                     'more likely a slide typo.' % (mp.nstr(printed_ll0, 8), mp.nstr(correct_ll0, 8)),
                     ev(printed_formula_value=printed_ll0, correct_value=correct_ll0), line='858'))
    dll = -(yy / aa - (1 - yy) / (1 - aa))
    A.append(formula('log-loss derivative', r'\partial L/\partial a^{[L]} = -(y/a^{[L]} - (1 - y)/(1 - a^{[L]}))', 'MATCH',
                     'Correct for the properly bracketed log loss (finite difference %s vs formula %s at a=0.7, y=1; '
                     'also checked at y=0).' % (mp.nstr(fd(correct_ll, aa), 10), mp.nstr(dll, 10)),
                     ev(formula_value=dll, finite_difference=fd(correct_ll, aa)), line='860'))
    zt = M('0.7')
    A.append(formula('sigmoid derivative', r"g'(z) = g(z)(1 - g(z))", 'MATCH', 'Finite-difference check at z = 0.7.',
                     ev(formula_value=dsig(zt), finite_difference=fd(sig, zt)), line='500,870,940'))
    A.append(formula('tanh identities', r'\tanh(z) = 2\sigma(2z) - 1 = \frac{2}{1 + e^{-2z}} - 1 = \frac{e^z - e^{-z}}{e^z + e^{-z}}',
                     'MATCH', 'All three expressions agree (checked at z = 0.7).',
                     ev(tanh=mp.tanh(zt), two_sigma_minus_one=2 * sig(2 * zt) - 1), line='520'))
    A.append(formula('tanh derivative', r"g'(z) = 1 - (g(z))^2", 'MATCH', 'Finite-difference check at z = 0.7.',
                     ev(formula_value=dtanh(zt), finite_difference=fd(mp.tanh, zt)), line='526'))
    A.append(formula('claim about linear activation', "Constant derivative, g'(z) = α; cannot be used for backpropagation.",
                     'WRONG', 'A linear (identity) unit back-propagates without difficulty (δ = ∂L/∂a · α); the document '
                     'itself recommends identity outputs for regression (line 587), and document 002\'s tanh/linear example '
                     'back-propagates through linear outputs. The real limitation is the next bullet: stacked linear layers collapse '
                     'to one linear map.', kind='claim', line='487'))
    A.append(formula('input-layer notation', r'\mathbf{a}^{[\ell]} = \mathbf{x} input layer', 'WRONG',
                     'Typo: should be a^{[0]} = x (as the later "Notation revisit", line 627, correctly states). Harmless.',
                     line='253'))

    # ---- unprinted reference values (learning rate not printed: 0.5 assumed) ----
    eta = M('0.5')
    refs = [ref('∂ℒ/∂w_{1,1}^{[2]} (w5)', grads[1][0][0][0]), ref('∂ℒ/∂w_{1,2}^{[2]} (w6)', grads[1][0][0][1]),
            ref('∂ℒ/∂w_{2,1}^{[2]} (w7)', grads[1][0][1][0]), ref('∂ℒ/∂w_{2,2}^{[2]} (w8)', grads[1][0][1][1]),
            ref('∂ℒ/∂b_1^{[2]}', grads[1][1][0]), ref('∂ℒ/∂b_2^{[2]}', grads[1][1][1]),
            ref('∂ℒ/∂w_{1,1}^{[1]} (w1)', grads[0][0][0][0]), ref('∂ℒ/∂w_{1,2}^{[1]} (w2)', grads[0][0][0][1]),
            ref('∂ℒ/∂w_{2,1}^{[1]} (w3)', grads[0][0][1][0]), ref('∂ℒ/∂w_{2,2}^{[1]} (w4)', grads[0][0][1][1]),
            ref('∂ℒ/∂b_1^{[1]}', grads[0][1][0]), ref('∂ℒ/∂b_2^{[1]}', grads[0][1][1])]
    names = {(1, 0, 0): 'w_{1,1}^{[2]}', (1, 0, 1): 'w_{1,2}^{[2]}', (1, 1, 0): 'w_{2,1}^{[2]}', (1, 1, 1): 'w_{2,2}^{[2]}',
             (0, 0, 0): 'w_{1,1}^{[1]}', (0, 0, 1): 'w_{1,2}^{[1]}', (0, 1, 0): 'w_{2,1}^{[1]}', (0, 1, 1): 'w_{2,2}^{[1]}'}
    newW = {}
    for (l, i, j), nm in names.items():
        v = layers[l]['W'][i][j] - eta * grads[l][0][i][j]
        newW[(l, i, j)] = v
        refs.append(ref('new ' + nm + ' (η = 0.5 assumed)', v))
    for l in range(2):
        for i in range(2):
            refs.append(ref(f'new b_{i + 1}^{{[{l + 1}]}} (η = 0.5 assumed)', layers[l]['b'][i] - eta * grads[l][1][i]))
    import copy
    new_layers = copy.deepcopy(layers)
    for l in range(2):
        for i in range(2):
            for j in range(2):
                new_layers[l]['W'][i][j] -= eta * grads[l][0][i][j]
            new_layers[l]['b'][i] -= eta * grads[l][1][i]
    refs.append(ref('loss after one step (weights and biases updated, η = 0.5)', loss_of(new_layers, x, y)))
    EXAMPLES.append({
        'id': 'sigmoid-222', 'source': src, 'numbers_printed': True,
        'parameters': [
            param('x^{(1)}', '0.05', x[0], 'printed (line 687)'), param('x^{(2)}', '0.1', x[1], 'printed'),
            param('y^{(1)}', '0.01', y[0], 'printed'), param('y^{(2)}', '0.99', y[1], 'printed'),
            param('w_{1,1}^{[1]}', '0.15', W1[0][0], 'printed (line 692)'), param('w_{1,2}^{[1]}', '0.2', W1[0][1], 'printed'),
            param('w_{2,1}^{[1]}', '0.25', W1[1][0], 'printed'), param('w_{2,2}^{[1]}', '0.3', W1[1][1], 'printed'),
            param('b_1^{[1]}', '0.35', b1[0], 'printed'), param('b_2^{[1]}', '0.35', b1[1], 'printed'),
            param('w_{1,1}^{[2]}', '0.4', W2[0][0], 'printed (line 694)'), param('w_{1,2}^{[2]}', '0.45', W2[0][1], 'printed'),
            param('w_{2,1}^{[2]}', '0.5', W2[1][0], 'printed'), param('w_{2,2}^{[2]}', '0.55', W2[1][1], 'printed'),
            param('b_1^{[2]}', '0.6', b2[0], 'printed'), param('b_2^{[2]}', '0.6', b2[1], 'printed'),
            param('loss', '½‖ỹ − y‖²', None, 'intended loss (the printed symbolic formula is garbled/wrong, see audit)'),
            param('learning rate α', None, M('0.5'), 'NOT printed; 0.5 assumed (as instructed) for the reference updates only'),
            param('convention', None, None, 'w_{i,j}^{[ℓ]} = weight from input j into node i, so z^{[ℓ]} = W^{[ℓ]} a^{[ℓ−1]} + b^{[ℓ]}'),
        ],
        'audit': A, 'reference_unprinted': refs,
    })
    NARR['sigmoid-222'] = (
        "The classic 2-2-2 sigmoid network (the same numbers as Mazur's well-known worked example): inputs "
        "(0.05, 0.1), targets (0.01, 0.99), loss ½‖ỹ − y‖². The document prints the forward pass, the loss and the "
        "three chain factors of ∂ℒ/∂w_{1,1}^{[2]} (but not their product and no update — no learning rate is "
        "given; reference updates with η = 0.5 are listed separately). It then derives the vectorised key "
        "equations, which we check against finite differences on this network and on a random 3-4-3-1 network.")


# ============================================================================
# 3. sigmoid-222-matrix   (002_1dd5d5d05fbbafd6.txt)
# ============================================================================
def ex_sigmoid_222_matrix():
    src = '002_1dd5d5d05fbbafd6.txt'
    A = []
    W1 = mk([[0.25, 0.30], [0.15, 0.20]])
    b1 = vec((0.35, 0.35))
    W2 = mk([[0.45, 0.40], [0.50, 0.55]])
    b2 = vec((0.60, 0.60))
    x = vec((0.05, 0.10))
    y = vec((0.01, 0.99))
    layers = net222(W1, b1, W2, b2, x)
    grads, deltas, zs, acts = key_equation_grads(layers, x, y)
    a1, a2 = zs          # document calls pre-activations a, activations z
    z1, h = acts[1], acts[2]
    P = lambda s: M(s)
    A.append(num('a^{(1)}_1', '0.39', a1[0], line='371'))
    A.append(num('a^{(1)}_2', '0.38', a1[1], line='371'))
    A.append(num('z^{(1)}_1 = σ(a^{(1)}_1)', '0.60', z1[0], line='373'))
    A.append(num('z^{(1)}_2 = σ(a^{(1)}_2)', '0.59', z1[1], line='373'))
    A.append(num('a^{(2)}_1', '1.11', a2[0],
                 from_printed=('0.45*0.60 + 0.40*0.59 + 0.60', P('0.45') * P('0.60') + P('0.40') * P('0.59') + P('0.60')), line='387'))
    A.append(num('a^{(2)}_2', '1.22', a2[1],
                 from_printed=('0.50*0.60 + 0.55*0.59 + 0.60', P('0.50') * P('0.60') + P('0.55') * P('0.59') + P('0.60')), line='387'))
    A.append(num('h_1 = σ(a^{(2)}_1)', '0.75', h[0], line='389'))
    A.append(num('h_2 = σ(a^{(2)}_2)', '0.77', h[1], line='389'))
    # part c
    sq = (h[0] - y[0]) ** 2 + (h[1] - y[1]) ** 2
    xm = [x[0] - y[0], x[1] - y[1]]
    A.append(num('c) (h_W(x) − y)_1', '0.04', h[0] - y[0], doc_method=('x_1 − y_1 = 0.05 − 0.01', xm[0]),
                 cause='the INPUT x was subtracted instead of the output h: x − y = (0.05 − 0.01, 0.10 − 0.99) = (0.04, −0.89).',
                 line='400'))
    A.append(num('c) (h_W(x) − y)_2', '-0.89', h[1] - y[1], doc_method=('x_2 − y_2 = 0.10 − 0.99', xm[1]),
                 cause='x used instead of h (see previous entry).', line='400'))
    A.append(num('c) error |h_W(x) − y|²', '0.79', sq, doc_method=('|x − y|²', xm[0] ** 2 + xm[1] ** 2),
                 from_printed=('(0.75−0.01)² + (0.77−0.99)²', (P('0.75') - P('0.01')) ** 2 + (P('0.77') - P('0.99')) ** 2),
                 cause='‖x − y‖² = 0.0016 + 0.7921 = 0.7937 → 0.79 was computed; with the network output the squared '
                       'norm is 0.5968 (½ of it, 0.2984, is the loss used elsewhere).', line='400'))
    # part d: output deltas
    dtrue = deltas[1]
    A.append(num('d) δ^{(2)}_1 (printed as 0.75 − 0.01)', '0.74', dtrue[0],
                 doc_method=('h_1 − y_1 (no σ\' factor)', h[0] - y[0]),
                 cause='the output units are SIGMOID, but δ = h − y (valid only for linear "canonical" outputs with '
                       'squared error, or sigmoid with cross-entropy) was used; with E_n = ½‖h − y‖² the local error is '
                       '(h − y)·σ\'(a^{(2)}) = 0.7414 × 0.1868. The subtraction 0.75 − 0.01 = 0.74 itself is fine.',
                 line='623'))
    A.append(num('d) δ^{(2)}_2 (printed as 0.77 − 0.99)', '-0.22', dtrue[1],
                 doc_method=('h_2 − y_2 (no σ\' factor)', h[1] - y[1]),
                 cause='missing σ\'(a^{(2)}_2) = %s factor, as for δ^{(2)}_1.' % mp.nstr(dsig(a2[1]), 6), line='623'))
    # hidden deltas
    dm1 = dsig(P('0.39')) * (P('0.45') * P('0.74') + P('0.50') * P('-0.22'))
    dm2 = dsig(P('0.38')) * (P('0.40') * P('0.74') + P('0.55') * P('-0.22'))
    A.append(num('d) δ^{(1)}_1', '0.05', deltas[0][0],
                 doc_method=('σ(0.39)(1−σ(0.39))(0.45·0.74 + 0.50·(−0.22))', dm1),
                 cause='propagated from the wrong output deltas (0.74, −0.22); the hidden-delta formula and the '
                       'arithmetic on the document\'s own inputs are right (0.0537 → 0.05).', line='637'))
    A.append(num('d) δ^{(1)}_2', '0.03', deltas[0][1],
                 doc_method=('σ(0.38)(1−σ(0.38))(0.40·0.74 + 0.55·(−0.22))', dm2),
                 cause='two faults: (1) propagated from the wrong output deltas; (2) an arithmetic slip — the printed '
                       'expression itself evaluates to 0.2413 × 0.175 = 0.0422, i.e. 0.04, not 0.03.', line='637'))
    # dE/dW2
    gW2 = grads[1][0]
    z1p = (P('0.60'), P('0.59'))
    dp = (P('0.74'), P('-0.22'))
    for (i, j, pr) in [(0, 0, '0.44'), (0, 1, '0.44'), (1, 0, '-13.2'), (1, 1, '-12.8')]:
        dmv = dp[i] * z1p[j]
        cause = 'propagated from δ^{(2)} missing the σ\' factor (the product %s × %s = %s is itself right).' % (
            dp[i], z1p[j], mp.nstr(dmv, 4))
        if i == 1 and j == 0:
            cause = ('besides the wrong δ^{(2)}, the magnitude is off by 100: −0.22 × 0.60 = −0.132, printed −13.2 — '
                     'most likely "−13.2·10^{-2}" with the power of ten lost (by the author or in extraction; the '
                     'next matrix does use the "·10^{-3}" notation).')
        if i == 1 and j == 1:
            cause = ('besides the wrong δ^{(2)} and the lost factor 10^{-2}, the digits do not follow from the '
                     'printed factors: −0.22 × 0.59 = −0.1298 (≈ −13.0·10^{-2}), not −12.8·10^{-2}; −12.8·10^{-2} '
                     'would follow from the unrounded h_2 − y_2 = −0.2171 × 0.59 = −0.1281, so the row is internally '
                     'inconsistent (arithmetic slip).')
        A.append(num(f'd) ∂E_n/∂w^{{(2)}}_{{{i + 1}{j + 1}}} = δ^{{(2)}}_{i + 1} z^{{(1)}}_{j + 1}', pr, gW2[i][j],
                     doc_method=(f'{dp[i]} × {z1p[j]}', dmv), cause=cause, line='651'))
    # dE/dW1
    A.append(num('d) x_2 as written in (x_1, x_2) = (0.05, 0.01)', '0.01', x[1],
                 cause='copying error: x_2 = 0.10 (given on the same slide), written as 0.01.', line='666'))
    gW1 = grads[0][0]
    dh = (P('0.05'), P('0.03'))
    xp = (P('0.05'), P('0.01'))
    for (i, j, pr) in [(0, 0, '2.5·10^-3'), (0, 1, '5·10^-4'), (1, 0, '1.5·10^-3'), (1, 1, '3·10^-4')]:
        dmv = dh[i] * xp[j]
        causes = ['propagated from the wrong hidden deltas (true δ^{(1)} = (%s, %s))' % (
            mp.nstr(deltas[0][0], 4), mp.nstr(deltas[0][1], 4))]
        if j == 1:
            causes.append('x_2 miscopied as 0.01 instead of 0.10 (factor 10 too small)')
        if i == 1:
            causes.append('δ^{(1)}_2 = 0.03 itself mis-evaluated (0.04 by the document\'s own inputs)')
        A.append(num(f'd) ∂E_n/∂w^{{(1)}}_{{{i + 1}{j + 1}}} = δ^{{(1)}}_{i + 1} x_{j + 1}', pr, gW1[i][j],
                     doc_method=(f'{dh[i]} × {xp[j]}', dmv), cause='; '.join(causes) + '.', line='666'))

    # ---- formulas ----
    A.append(formula('forward pass / error definition', r'a^{(1)} = W^{(1)} x + b^{(1)}, z^{(1)} = σ(a^{(1)}), a^{(2)} = W^{(2)} z^{(1)} + b^{(2)}, h = σ(a^{(2)}); error = |h − y|²',
                     'MATCH', 'Correct (this document calls pre-activations a and activations z). Note part c) asks for '
                     'the squared norm WITHOUT ½, while the back-prop part uses E_n = ½(h − y)²; our gradients use the ½ '
                     'convention of the back-prop slides (with the ½-less error all gradients would double).', line='371-400,507'))
    A.append(formula('output formula typo', r'h = \sigma(a^{(2)}) = \frac{1}{1 + e^{-a^{(1)}}}', 'WRONG',
                     'Typo: the exponent should be −a^{(2)} (written correctly on line 657 and on line 389). '
                     'σ(a^{(1)}) would give (%s, %s), not (0.75, 0.77). Harmless for the numbers.'
                     % (mp.nstr(sig(a1[0]), 4), mp.nstr(sig(a1[1]), 4)), line='619,629,643'))
    A.append(formula('output local error used in the example', r'\delta_1^{(2)} = h_1 - y_1,  \delta_2^{(2)} = h_2 - y_2  (for sigmoid output units)',
                     'WRONG', 'For sigmoid outputs and E_n = ½‖h − y‖², δ_k = ∂E_n/∂a_k = (h_k − y_k) σ\'(a_k) = '
                     '(%s, %s), checked against finite differences. The document\'s own rule (line 532: "for canonical '
                     'output (e.g., without nonlinearity)") explicitly does not apply to this network.'
                     % (mp.nstr(dtrue[0], 8), mp.nstr(dtrue[1], 8)),
                     ev(correct_delta=dtrue, fd_dE_da2_1=fd(lambda t: ((sig(t) - y[0]) ** 2 + (h[1] - y[1]) ** 2) / 2, a2[0])),
                     line='623'))
    A.append(formula('canonical output local error', r'\partial E_n/\partial a_j^{(\ell)} = (h_k(x) - y^{(n)})  (output without nonlinearity)',
                     'MATCH', 'Correct for a linear output with ½ squared error (the index should be j or k consistently — '
                     'notation slip only).', line='534'))
    A.append(formula('hidden local error', r'\delta_j^{(\ell)} = \sigma\'(a_j^{(\ell)}) \sum_k w_{kj}^{(\ell+1)} \delta_k^{(\ell+1)}',
                     'MATCH', 'Correct; applied with the right column of W^{(2)} (w_11 = 0.45, w_21 = 0.50 for j = 1). '
                     'Finite-difference check of the full recursion: max |error| = %s.' % mp.nstr(max_grad_diff(grads, fd_grads(layers, x, y)), 3),
                     line='567,593,637'))
    A.append(formula('chain pieces', r'\partial a_k^{(\ell+1)}/\partial a_j^{(\ell)} = w_{kj}^{(\ell+1)} \sigma\'(a_j^{(\ell)}); \partial a_j/\partial w_{ji} = z_i^{(\ell-1)}',
                     'MATCH', 'Correct.', line='519,562'))
    A.append(formula('weight derivative', r'\partial E_n/\partial w_{ji}^{(\ell)} = \delta_j^{(\ell)} z_i^{(\ell-1)};  \partial E_n/\partial W = \delta z^T',
                     'MATCH', 'Correct (outer product δ zᵀ, δ xᵀ for the first layer).', line='525,597,651,666'))
    A.append(formula('update rule', r"W' \leftarrow W - \eta \, \partial E_n/\partial W", 'MATCH',
                     'Correct; η is not given, so no updated weights are printed.', line='670'))
    eta = M('0.5')
    refs = [ref('true δ^{(2)}_1', dtrue[0]), ref('true δ^{(2)}_2', dtrue[1]),
            ref('true δ^{(1)}_1', deltas[0][0]), ref('true δ^{(1)}_2', deltas[0][1])]
    for l, nm in ((1, '2'), (0, '1')):
        for i in range(2):
            for j in range(2):
                refs.append(ref(f'true ∂E_n/∂w^{{({nm})}}_{{{i + 1}{j + 1}}}', grads[l][0][i][j]))
            refs.append(ref(f'true ∂E_n/∂b^{{({nm})}}_{i + 1}', grads[l][1][i]))
    for l, nm in ((1, '2'), (0, '1')):
        for i in range(2):
            for j in range(2):
                refs.append(ref(f'new w^{{({nm})}}_{{{i + 1}{j + 1}}} with η = 0.5 (illustrative, η not printed)',
                                layers[l]['W'][i][j] - eta * grads[l][0][i][j]))
    refs.append(ref('exact ‖h − y‖² (part c)', sq))
    refs.append(ref('loss ½‖h − y‖²', sq / 2))
    EXAMPLES.append({
        'id': 'sigmoid-222-matrix', 'source': src, 'numbers_printed': True,
        'parameters': [
            param('W^{(1)}', '[[0.25, 0.30], [0.15, 0.20]]', W1, 'printed (line 352); row = hidden unit. NB: rows are '
                  'swapped relative to document 001 (hidden units exchanged)'),
            param('b^{(1)}', '(0.35, 0.35)', b1, 'printed'),
            param('W^{(2)}', '[[0.45, 0.40], [0.50, 0.55]]', W2, 'printed (line 354); row 1 is consistent with the '
                  'swapped hidden units of W^{(1)} (same o1 as in 001), row 2 is not (o2 pre-activation 1.224743 here vs '
                  '1.224921 in 001) — all printed 2-decimal values coincide anyway'),
            param('b^{(2)}', '(0.60, 0.60)', b2, 'printed'),
            param('x', '(0.05, 0.10)', x, 'printed'), param('y', '(0.01, 0.99)', y, 'printed'),
            param('activation', 'sigmoid', None, 'printed ("Use sigmoid as the activation function for all units")'),
            param('E_n', '½(h − y)²', None, 'printed in the back-prop section (line 507); part c) uses |h − y|² without ½'),
            param('η', None, None, 'NOT printed; reference updates use 0.5 purely for illustration'),
        ],
        'audit': A, 'reference_unprinted': refs,
    })
    NARR['sigmoid-222-matrix'] = (
        "An exercise in matrix form with its own weights (a permuted variant of the 001 network): "
        "W⁽¹⁾ = [[0.25, 0.30], [0.15, 0.20]], b⁽¹⁾ = (0.35, 0.35), W⁽²⁾ = [[0.45, 0.40], [0.50, 0.55]], "
        "b⁽²⁾ = (0.60, 0.60), x = (0.05, 0.10), y = (0.01, 0.99), sigmoid everywhere. Part b) (forward pass, "
        "2 decimals) is right. Part c) and the whole of part d) are wrong: c) subtracts the input instead of the "
        "output, d) drops the sigmoid derivative from the output deltas (which contaminates everything after it) and "
        "adds a decimal-shift error, an arithmetic slip and a miscopied input.")


# ============================================================================
# 4. sigmoid-222-lr06   (003_f2f096adea60b029.txt)
# ============================================================================
def ex_sigmoid_222_lr06():
    src = '003_f2f096adea60b029.txt'
    A = []
    i1, i2 = M('0.1'), M('0.5')
    w = [None] + [M(k) / 10 for k in range(1, 9)]
    b1, b2 = M('0.25'), M('0.35')
    t1, t2 = M('0.05'), M('0.95')
    lr = M('0.6')
    sh1 = i1 * w[1] + i2 * w[3] + b1
    sh2 = i1 * w[2] + i2 * w[4] + b1
    h1, h2 = sig(sh1), sig(sh2)
    so1 = h1 * w[5] + h2 * w[6] + b2
    so2 = h1 * w[7] + h2 * w[8] + b2
    o1, o2 = sig(so1), sig(so2)
    E1, E2 = (t1 - o1) ** 2 / 2, (t2 - o2) ** 2 / 2
    do1, do2 = o1 - t1, o2 - t2
    s1, s2 = o1 * (1 - o1), o2 * (1 - o2)
    d1, d2 = do1 * s1, do2 * s2
    g = {5: d1 * h1, 6: d1 * h2, 7: d2 * h1, 8: d2 * h2}
    sh1p, sh2p = h1 * (1 - h1), h2 * (1 - h2)
    dh1 = (d1 * w[5] + d2 * w[7]) * sh1p
    dh2 = (d1 * w[6] + d2 * w[8]) * sh2p
    g[1], g[2], g[3], g[4] = dh1 * i1, dh2 * i1, dh1 * i2, dh2 * i2
    new = {k: w[k] - lr * g[k] for k in range(1, 9)}
    P = lambda s: M(s)

    # finite-difference check of all 8 gradients
    def Etot(ww, bb1=b1, bb2=b2):
        H1 = sig(i1 * ww[1] + i2 * ww[3] + bb1)
        H2 = sig(i1 * ww[2] + i2 * ww[4] + bb1)
        O1 = sig(H1 * ww[5] + H2 * ww[6] + bb2)
        O2 = sig(H1 * ww[7] + H2 * ww[8] + bb2)
        return (t1 - O1) ** 2 / 2 + (t2 - O2) ** 2 / 2

    gfd = {}
    for k in range(1, 9):
        def f(t, k=k):
            ww = list(w)
            ww[k] = t
            return Etot(ww)
        gfd[k] = fd(f, w[k])
    maxd = max(abs(g[k] - gfd[k]) for k in range(1, 9))

    A.append(num('sum_{h1} = 0.1*0.1 + 0.5*0.3 + 0.25', '0.41', sh1, line='28'))
    A.append(num('output_{h1}', '0.60108', h1, line='34'))
    A.append(num('sum_{h2}', '0.47', sh2, note='i1*w2 + i2*w4 + b1 with w2 = 0.2, w4 = 0.4 (inferred).', line='42'))
    A.append(num('output_{h2}', '0.61538', h2, line='44'))
    A.append(num('sum_{o1}', '1.01977', so1,
                 from_printed=('0.60108*0.5 + 0.61538*0.6 + 0.35', P('0.60108') * P('0.5') + P('0.61538') * P('0.6') + P('0.35')),
                 line='54'))
    A.append(num('output_{o1}', '0.73492', o1, from_printed=('σ(1.01977)', sig(P('1.01977'))), line='56'))
    A.append(num('sum_{o2}', '1.26306', so2,
                 from_printed=('0.60108*0.7 + 0.61538*0.8 + 0.35', P('0.60108') * P('0.7') + P('0.61538') * P('0.8') + P('0.35')),
                 line='60'))
    A.append(num('output_{o2}', '0.77955', o2, from_printed=('σ(1.26306)', sig(P('1.26306'))), line='62'))
    A.append(num('E_1 = ½(0.05 − 0.73492)²', '0.23456', E1, from_printed=('½(0.05 − 0.73492)²', (P('0.05') - P('0.73492')) ** 2 / 2), line='80'))
    A.append(num('E_2 = ½(0.95 − 0.77955)²', '0.01452', E2, from_printed=('½(0.95 − 0.77955)²', (P('0.95') - P('0.77955')) ** 2 / 2), line='90'))
    A.append(num('E_total = E_1 + E_2', '0.24908', E1 + E2, from_printed=('0.23456 + 0.01452', P('0.23456') + P('0.01452')), line='94'))
    A.append(num('∂E_total/∂output_{o1} = output_{o1} − target_1', '0.68492', do1,
                 from_printed=('0.73492 − 0.05', P('0.73492') - P('0.05')), line='163'))
    A.append(num('∂output_{o1}/∂sum_{o1} = output_{o1}(1 − output_{o1})', '0.19480', s1,
                 from_printed=('0.73492 × (1 − 0.73492)', P('0.73492') * (1 - P('0.73492'))), line='163'))
    A.append(num('∂E_total/∂w5 = 0.68492 * 0.19480 * 0.60108', '0.08020', g[5],
                 from_printed=('0.68492 × 0.19480 × 0.60108', P('0.68492') * P('0.19480') * P('0.60108')), line='165'))
    A.append(num('new w5 = 0.5 − 0.6 * 0.08020', '0.45187', new[5],
                 from_printed=('0.5 − 0.6 × 0.08020', P('0.5') - P('0.6') * P('0.08020')),
                 note='NB the printed expression 0.5 − 0.6 × 0.08020 equals 0.451880 exactly; 0.45187 is the truncated '
                      'full-precision value, not the printed arithmetic.', line='177'))
    A.append(num('∂E_total/∂w6 = 0.68492 * 0.19480 * 0.61538', '0.08211', g[6],
                 from_printed=('0.68492 × 0.19480 × 0.61538', P('0.68492') * P('0.19480') * P('0.61538')), line='191'))
    A.append(num('new w6 = 0.6 − 0.6 * 0.08211', '0.55073', new[6],
                 from_printed=('0.6 − 0.6 × 0.08211', P('0.6') - P('0.6') * P('0.08211')), line='199'))
    A.append(num('∂E_total/∂output_{o2} = output_{o2} − target_2', '-0.17044', do2,
                 from_printed=('0.77955 − 0.95', P('0.77955') - P('0.95')), line='229'))
    A.append(num('∂output_{o2}/∂sum_{o2} = output_{o2}(1 − output_{o2})', '0.17184', s2,
                 from_printed=('0.77955 × (1 − 0.77955)', P('0.77955') * (1 - P('0.77955'))), line='229'))
    A.append(num('∂E_total/∂w7 = −0.17044 * 0.17184 * 0.60108', '-0.01760', g[7],
                 from_printed=('−0.17044 × 0.17184 × 0.60108', P('-0.17044') * P('0.17184') * P('0.60108')), line='231'))
    A.append(num('new w7 = 0.7 − 0.6 * −0.01760', '0.71056', new[7],
                 from_printed=('0.7 + 0.6 × 0.01760', P('0.7') + P('0.6') * P('0.01760')), line='239'))
    A.append(num('∂E_total/∂w8', '-0.01802', g[8],
                 from_printed=('−0.17044 × 0.17184 × 0.61538', P('-0.17044') * P('0.17184') * P('0.61538')), line='241'))
    A.append(num('new w8', '0.81081', new[8],
                 from_printed=('0.8 + 0.6 × 0.01802', P('0.8') + P('0.6') * P('0.01802')), line='241'))
    A.append(num('∂sum_{o1}/∂output_{h1} = w5 (factor in ∂E_1/∂w1)', '0.5', w[5], line='301'))
    A.append(num('∂output_{h1}/∂sum_{h1} = output_{h1}(1 − output_{h1})', '0.23978', sh1p,
                 from_printed=('0.60108 × (1 − 0.60108)', P('0.60108') * (1 - P('0.60108'))), line='301'))
    A.append(num('∂sum_{h1}/∂w1 = i_1', '0.1', i1, line='301'))
    e1w1 = d1 * w[5] * sh1p * i1
    e2w1 = d2 * w[7] * sh1p * i1
    A.append(num('∂E_1/∂w1 = 0.68492 * 0.19480 * 0.5 * 0.23978 * 0.1', '0.00159', e1w1,
                 from_printed=('0.68492 × 0.19480 × 0.5 × 0.23978 × 0.1', P('0.68492') * P('0.19480') * P('0.5') * P('0.23978') * P('0.1')),
                 line='301'))
    A.append(num('∂sum_{o2}/∂output_{h1} = w7 (factor in ∂E_2/∂w1)', '0.7', w[7], line='333'))
    A.append(num('∂E_2/∂w1 = −0.17044 * 0.17184 * 0.7 * 0.23978 * 0.1', '-0.00049', e2w1,
                 from_printed=('−0.17044 × 0.17184 × 0.7 × 0.23978 × 0.1', P('-0.17044') * P('0.17184') * P('0.7') * P('0.23978') * P('0.1')),
                 line='333'))
    A.append(num('∂E_total/∂w1 = 0.00159 + (−0.00049)', '0.00110', g[1],
                 from_printed=('0.00159 − 0.00049', P('0.00159') - P('0.00049')), line='337'))
    A.append(num('new w1 = 0.1 − 0.6 * 0.00110', '0.09933', new[1],
                 from_printed=('0.1 − 0.6 × 0.00110', P('0.1') - P('0.6') * P('0.00110')),
                 note='NB the printed expression 0.1 − 0.6 × 0.00110 equals 0.09934; 0.09933 is the truncated '
                      'full-precision value.', line='349'))
    A.append(num('new w2', '0.19919', new[2], line='353'))
    A.append(num('new w3', '0.29667', new[3], line='355'))
    A.append(num('new w4', '0.39597', new[4], line='357'))

    # formulas
    A.append(formula('forward sums', 'sum_{h1} = i1*w1 + i2*w3 + b1; sum_{h2} = i1*w2 + i2*w4 + b1; sum_{o1} = out_{h1}*w5 + out_{h2}*w6 + b2; sum_{o2} = out_{h1}*w7 + out_{h2}*w8 + b2',
                     'MATCH', 'Consistent weight layout (w1: i1→h1, w2: i1→h2, w3: i2→h1, w4: i2→h2, w5: h1→o1, '
                     'w6: h2→o1, w7: h1→o2, w8: h2→o2); one bias shared per layer.', line='26,42,54,60'))
    A.append(formula('total error', r'E_{total} = \sum \frac{1}{2} (target - output)^2', 'MATCH', 'Standard.', line='74'))
    A.append(formula('∂E/∂output', r'\partial E_{total}/\partial output_{o1} = 2 * \frac{1}{2} * (target_1 - output_{o1}) * -1 = output_{o1} - target_1',
                     'MATCH', 'Correct, including the −1 from the inner derivative.', line='128'))
    A.append(formula('logistic derivative', r'\frac{d}{dx}\sigma(x) = \sigma(x)(1 - \sigma(x))', 'MATCH',
                     'Correct.', ev(at_x=M('1.01977'), formula_value=dsig(M('1.01977')), finite_difference=fd(sig, M('1.01977'))),
                     line='139'))
    A.append(formula('chain rule for w5..w8 and w1', r'\partial E/\partial w_5 = [out_{o1} - t_1][out_{o1}(1 - out_{o1})][out_{h1}] ;  \partial E/\partial w_1 = \partial E_1/\partial w_1 + \partial E_2/\partial w_1 (five-factor chains through w5 and w7)',
                     'MATCH', 'All eight gradients computed by these chains agree with finite differences of E_total '
                     '(max |error| %s).' % mp.nstr(maxd, 3), ev(max_abs_diff_vs_fd=maxd), line='161,259,305,335'))
    A.append(formula('update rule', 'new_w = w − n * ∂E_total/∂w  (n = learning rate = 0.6)', 'MATCH',
                     'Correct. Only w1..w8 are updated; the biases b1, b2 (which also have non-zero gradients) are '
                     'left unchanged — a simplification, not an error in what is printed.', line='173'))
    # bias gradients (unprinted)
    gb1 = dh1 + dh2
    gb2 = d1 + d2
    import copy
    wn = [None] + [new[k] for k in range(1, 9)]
    refs = [ref('∂E_total/∂w%d' % k, g[k]) for k in range(1, 9)] + \
           [ref('new w%d' % k, new[k]) for k in range(1, 9)] + \
           [ref('∂E_total/∂b1 (shared bias; not updated in the document)', gb1),
            ref('∂E_total/∂b2 (shared bias; not updated in the document)', gb2),
            ref('E_total after the update of w1..w8 (biases kept)', Etot(wn)),
            ref('E_total after also updating b1, b2 with lr 0.6', Etot(wn, b1 - lr * gb1, b2 - lr * gb2))]
    # inference of the missing weights from printed numbers only
    inf_w2 = P('0.19919') + lr * dh2 * i1          # new_w2 = w2 - lr*delta_h2*i1 (delta_h2 needs only w6, w8, out_h2)
    inf_w4 = (P('0.47') - P('0.25') - i1 * inf_w2) / i2
    inf_w8a = P('0.81081') - lr * P('0.01802')
    inf_w8b = (P('1.26306') - P('0.35') - P('0.60108') * P('0.7')) / P('0.61538')
    inf_b2 = P('1.01977') - P('0.60108') * P('0.5') - P('0.61538') * P('0.6')
    inferred = {'w2_from_new_w2': fl(inf_w2), 'w4_from_sum_h2': fl(inf_w4), 'w8_from_new_w8': fl(inf_w8a),
                'w8_from_sum_o2': fl(inf_w8b), 'b2_from_sum_o1': fl(inf_b2)}
    EXAMPLES.append({
        'id': 'sigmoid-222-lr06', 'source': src, 'numbers_printed': True,
        'inference_check': inferred,
        'parameters': [
            param('i1', '0.1', i1, 'printed in the arithmetic of sum_{h1} (line 28)'),
            param('i2', '0.5', i2, 'printed in the arithmetic of sum_{h1} (line 28)'),
            param('w1', '0.1', w[1], 'printed in sum_{h1} arithmetic (line 28) and in new_w1 (line 347)'),
            param('w3', '0.3', w[3], 'printed in sum_{h1} arithmetic (line 28)'),
            param('b1', '0.25', b1, 'printed in sum_{h1} arithmetic (line 28); shared by h1 and h2'),
            param('w2', None, w[2], 'INFERRED: δ_h2 depends only on out_h2 = σ(0.47), w6, w8, so new_w2 = 0.19919 = '
                  'w2 − 0.6·0.1·δ_h2 gives w2 = %s ≈ 0.2 (the residue is the truncation of 0.19919)' % mp.nstr(inf_w2, 7)),
            param('w4', None, w[4], 'INFERRED: sum_{h2} = 0.1·w2 + 0.5·w4 + 0.25 = 0.47 then gives w4 = %s ≈ 0.4 '
                  '(new_w4 = 0.39597 consistent)' % mp.nstr(inf_w4, 7)),
            param('w5', '0.5', w[5], 'printed in new_w5 arithmetic (line 175) and as chain factor (line 301)'),
            param('w6', '0.6', w[6], 'printed in new_w6 arithmetic (line 197)'),
            param('w7', '0.7', w[7], 'printed in new_w7 arithmetic (line 237) and as chain factor (line 333)'),
            param('w8', None, w[8], 'INFERRED: new_w8 = w8 + 0.6·0.01802 gives w8 = 0.81081 − 0.010812 = %s, and sum_{o2} = '
                  '1.26306 gives (1.26306 − 0.35 − 0.60108·0.7)/0.61538 = %s' % (mp.nstr(inf_w8a, 7), mp.nstr(inf_w8b, 7))),
            param('b2', None, b2, 'INFERRED: sum_{o1} − 0.60108·0.5 − 0.61538·0.6 = 1.01977 − 0.669768 = %s → 0.35; ' % mp.nstr(inf_b2, 7) +
                  'shared by o1 and o2 (sum_{o2} then reproduces 1.26306)'),
            param('target_1', '0.05', t1, 'printed (line 70)'), param('target_2', '0.95', t2, 'printed (line 70)'),
            param('learning rate n', '0.6', lr, 'printed (line 175)'),
            param('loss', 'E_total = Σ ½(target − output)²', None, 'printed'),
        ],
        'audit': A, 'reference_unprinted': refs,
    })
    NARR['sigmoid-222-lr06'] = (
        "A 2-2-2 sigmoid network with one shared bias per layer: inputs (0.1, 0.5), targets (0.05, 0.95), learning "
        "rate 0.6. The initial weights are never listed; they are recovered from the printed arithmetic as "
        "w1…w8 = 0.1…0.8, b1 = 0.25, b2 = 0.35 (verified: every printed sum is reproduced). All chain products "
        "are printed to 5 decimals. **Every printed number is either exact or a truncation**: the author evidently "
        "truncated (cut off) at 5 decimals instead of rounding, sometimes even where the printed arithmetic of the "
        "same line rounds the other way (new w5, new w1). No number is actually wrong.")


# ============================================================================
# 5. xor-threshold   (002)   and   6. xor-train   (001)
# ============================================================================
def Th(a):
    return 1 if a > 0 else 0


def ex_xor_threshold():
    src = '002_1dd5d5d05fbbafd6.txt'
    A = []
    rows = [((0, 0), 0, 0, 0, 0), ((1, 0), 1, 1, 0, 1), ((0, 1), 1, 1, 0, 1), ((1, 1), 0, 1, 1, 0)]
    raw_y = []
    for (x1, x2), xor, ph1, ph2, py in rows:
        h1 = Th(1 * x1 + 1 * x2 - 0.5)
        h2 = Th(1 * x1 + 1 * x2 - 1.5)
        yraw = M(1) * h1 - M(1) * h2 - M('0.5')
        raw_y.append(yraw)
        y = Th(yraw)
        A.append(num(f'XOR({x1},{x2})', str(xor), M(x1 ^ x2), line='121-125,174-178'))
        A.append(num(f'h_1({x1},{x2}) = Th(x1 + x2 − 0.5)', str(ph1), M(h1), line='141-145,174-178'))
        A.append(num(f'h_2({x1},{x2}) = Th(x1 + x2 − 1.5)', str(ph2), M(h2), line='141-145,174-178'))
        A.append(num(f'y({x1},{x2}) = Th(h1 − h2 − 0.5)', str(py), M(y),
                     note='Matches only once the threshold is applied to the output (see the y formula entry); the '
                          'printed linear formula itself gives %s.' % mp.nstr(yraw, 2), line='174-178'))
    A.append(formula('threshold unit', r'\text{Th}(a) = 1 if a > 0, 0 otherwise', 'MATCH', 'Definition.', line='161,193'))
    A.append(formula('hidden unit h_1 (OR)', r'h_1 = \text{Th}((1, 1, -0.5) (x_1, x_2, 1)^T)', 'MATCH',
                     'Boundary x1 + x2 − 0.5 = 0; h1 = OR(x1, x2), reproduces the table.', line='163,195'))
    A.append(formula('hidden unit h_2 (AND)', r'h_2 = \text{Th}((1, 1, -1.5) (x_1, x_2, 1)^T)', 'MATCH',
                     'Boundary x1 + x2 − 1.5 = 0; h2 = AND(x1, x2), reproduces the table.', line='165,197'))
    A.append(formula('output unit', r'y = (1, -1, -0.5) (h_1, h_2, 1)^T', 'WRONG',
                     'The threshold is missing: as printed y = h1 − h2 − 0.5 takes the values (%s) on the four rows, not '
                     'the tabulated (0, 1, 1, 0). It should read y = Th((1, −1, −0.5)(h1, h2, 1)ᵀ); the weights and bias '
                     'themselves are right (the sign of the linear output does separate the classes). The Th is '
                     'explicit for h1 and h2 on the same slide, so this is an omission in the slide, not extraction noise.'
                     % ', '.join(mp.nstr(v, 2) for v in raw_y), ev(printed_formula_values=raw_y), line='183'))
    A.append(formula('claim', 'In this new representation (h_1, h_2) the points are linearly separable', 'MATCH',
                     '(h1, h2) ∈ {(0,0), (1,0), (1,0), (1,1)}; the line h1 − h2 = 0.5 separates class 1 {(1,0)} from '
                     'class 0 {(0,0), (1,1)}.', kind='claim', line='181'))
    EXAMPLES.append({
        'id': 'xor-threshold', 'source': src, 'numbers_printed': True,
        'parameters': [
            param('h_1 weights, bias', '(1, 1, −0.5)', None, 'printed (line 163)'),
            param('h_2 weights, bias', '(1, 1, −1.5)', None, 'printed (line 165)'),
            param('output weights, bias', '(1, −1, −0.5)', None, 'printed (line 183)'),
            param('activation', 'Th(a) = 1 if a > 0 else 0', None, 'printed'),
            param('inputs', '{0,1}²', None, 'the XOR truth table, printed'),
        ],
        'audit': A, 'reference_unprinted': [],
    })
    NARR['xor-threshold'] = (
        "A hand-built XOR network of threshold units: h1 = Th(x1 + x2 − 0.5) (OR), h2 = Th(x1 + x2 − 1.5) (AND), "
        "y = h1 − h2 − 0.5 (threshold missing in print). The truth tables are all correct; the only defect is the "
        "missing Th(·) on the output formula.")


def ex_xor_train():
    src = '001_6bc762e58b165d6e.txt'
    A = []
    for (x1, x2, v) in [(0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 0)]:
        A.append(num(f'XOR({x1},{x2})', str(v), M(x1 ^ x2), line='90-94'))
    A.append(formula('claim: a single perceptron cannot classify XOR', '(1969) Minsky and Papert showed that a perceptron cannot classify XOR output.',
                     'MATCH', 'True: w·(1,0)+b > 0 and w·(0,1)+b > 0 sum to w1 + w2 + 2b > 0, while w·(0,0)+b ≤ 0 gives '
                     'b ≤ 0, hence w1 + w2 + b > −b ≥ 0, contradicting w·(1,1)+b ≤ 0. (Perceptrons, 1969.)',
                     kind='claim', line='88'))
    A.append(formula('idea: learn AND and OR boundaries', 'Idea: Learn AND and OR boundaries.', 'MATCH',
                     'XOR = OR ∧ ¬AND; document 002 gives exactly this construction (see xor-threshold), verified there.',
                     kind='claim', line='100-102'))
    # our own demonstration: train a 2-2-1 sigmoid MLP on XOR with full-batch backprop
    import numpy as np
    rng = np.random.default_rng(3)
    Xd = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], float)
    Yd = np.array([[0], [1], [1], [0]], float)
    W1 = rng.normal(0, 1, (2, 2)); b1 = np.zeros(2)
    W2 = rng.normal(0, 1, (1, 2)); b2 = np.zeros(1)
    s = lambda z: 1 / (1 + np.exp(-z))
    for _ in range(20000):
        Z1 = Xd @ W1.T + b1; A1 = s(Z1)
        Z2 = A1 @ W2.T + b2; A2 = s(Z2)
        D2 = (A2 - Yd) * A2 * (1 - A2)
        D1 = (D2 @ W2) * A1 * (1 - A1)
        W2 -= 1.0 * D2.T @ A1; b2 -= 1.0 * D2.sum(0)
        W1 -= 1.0 * D1.T @ Xd; b1 -= 1.0 * D1.sum(0)
    out = s(s(Xd @ W1.T + b1) @ W2.T + b2).ravel()
    refs = [ref(f'our trained 2-2-1 sigmoid MLP output for {tuple(int(v) for v in Xd[k])}', M(float(out[k])),
                'demonstration only (seed 3, N(0,1) init, full-batch GD, lr 1.0, 20000 epochs, ½SSE); nothing printed')
            for k in range(4)]
    EXAMPLES.append({
        'id': 'xor-train', 'source': src, 'numbers_printed': True,
        'parameters': [param('training data', 'XOR truth table', None, 'printed (lines 90-94); no network weights, '
                             'learning rate or trained outputs are printed (the MLP appears only in missing figures)')],
        'audit': A, 'reference_unprinted': refs,
    })
    NARR['xor-train'] = (
        "Document 001 introduces XOR as the motivating example for an MLP (\"learn AND and OR boundaries\"), but the "
        "network itself exists only in figures that are missing from the text: **no weights, learning rate or trained "
        "outputs are printed**. What can be audited is the truth table and the two claims. As a sanity "
        "demonstration (not from the document) we train a 2-2-1 sigmoid MLP with the back-propagation "
        "equations of 001; it learns XOR (reference values).")


# ============================================================================
# 7. tanh-linear   (002)
# ============================================================================
def ex_tanh_linear():
    src = '002_1dd5d5d05fbbafd6.txt'
    A = []
    # concrete instance (ours): the 002 matrix-example numbers with tanh hidden / linear output
    W1 = mk([[0.25, 0.30], [0.15, 0.20]]); b1 = vec((0.35, 0.35))
    W2 = mk([[0.45, 0.40], [0.50, 0.55]]); b2 = vec((0.60, 0.60))
    x = vec((0.05, 0.10)); y = vec((0.01, 0.99))
    layers = [{'W': W1, 'b': b1, 'act': tanh, 'dact': dtanh}, {'W': W2, 'b': b2, 'act': ident, 'dact': dident}]
    zs, acts = forward(layers, x)
    z = acts[1]; h = acts[2]
    dk = [h[k] - y[k] for k in range(2)]
    dj = [(1 - z[j] ** 2) * mp.fsum(W2[k][j] * dk[k] for k in range(2)) for j in range(2)]
    g1 = [[dj[j] * x[i] for i in range(2)] for j in range(2)]
    g2 = [[dk[k] * z[j] for j in range(2)] for k in range(2)]
    gfd = fd_grads(layers, x, y)
    md = M(0)
    for j in range(2):
        for i in range(2):
            md = max(md, abs(g1[j][i] - gfd[0][0][j][i]), abs(g2[j][i] - gfd[1][0][j][i]))
        md = max(md, abs(dj[j] - gfd[0][1][j]), abs(dk[j] - gfd[1][1][j]))
    # random 3-4-2 check too
    rng = random.Random(679)
    R = lambda r, c: [[M(str(round(rng.uniform(-1, 1), 3))) for _ in range(c)] for _ in range(r)]
    Rv = lambda n: [M(str(round(rng.uniform(-1, 1), 3))) for _ in range(n)]
    big = [{'W': R(4, 3), 'b': Rv(4), 'act': tanh, 'dact': dtanh}, {'W': R(2, 4), 'b': Rv(2), 'act': ident, 'dact': dident}]
    xb, yb = vec((0.3, -0.7, 1.1)), vec((0.2, -0.4))
    gk, _, _, _ = key_equation_grads(big, xb, yb)
    mdb = max_grad_diff(gk, fd_grads(big, xb, yb))
    zt = M('0.4')
    A.append(formula('error', r'E_n = \frac{1}{2} \sum_k (h_k - y_k^{(n)})^2', 'MATCH', 'Definition.', line='676'))
    A.append(formula('linear outputs', r'h_k = a_k;  h_k = \sum_{j=0}^M w_{kj}^{(2)} z_j^{(1)}', 'MATCH',
                     'Linear output with implicit bias (z_0 = 1).', line='677,702'))
    A.append(formula('hidden activation label', r'Logistic hidden h(a) = \tanh(a)', 'WRONG',
                     'Naming slip: tanh is not the logistic function (it is a rescaled one, tanh(a) = 2σ(2a) − 1), and '
                     'the symbol h is reused for both the hidden activation and the network output. The formula for '
                     'tanh that follows is correct; harmless for the maths.', line='678'))
    A.append(formula('tanh definition and derivative', r'\tanh(a) = (e^a - e^{-a})/(e^a + e^{-a});  \tanh\'(a) = 1 - \tanh(a)^2',
                     'MATCH', 'Checked at a = 0.4 against finite differences.',
                     ev(formula_value=dtanh(zt), finite_difference=fd(mp.tanh, zt)), line='305,679'))
    A.append(formula('forward pass', r'a_j^{(1)} = \sum_{i=0}^D w_{ji}^{(1)} x_i;  z_j^{(1)} = \tanh(a_j^{(1)})', 'MATCH',
                     'Implicit bias via x_0 = 1 ("Uses implicit bias b^{(1)} = w_0^{(1)}").', line='697-704'))
    A.append(formula('output deltas', r'\delta_k^{(2)} = h_k - y_k', 'MATCH',
                     'Correct here because the outputs are linear (contrast with the sigmoid exercise, where the same '
                     'expression was wrongly used). Concrete instance: δ^{(2)} = (%s, %s).' % (mp.nstr(dk[0], 10), mp.nstr(dk[1], 10)),
                     ev(delta_out=dk, fd_dE_db2=gfd[1][1]), line='719'))
    A.append(formula('hidden deltas', r'\delta_j^{(1)} = (1 - z_j^{(1)2}) \sum_{k=1}^K w_{kj}^{(2)} \delta_k^{(2)}', 'MATCH',
                     'Correct; concrete instance δ^{(1)} = (%s, %s), equal to finite-difference ∂E/∂b^{(1)}.'
                     % (mp.nstr(dj[0], 10), mp.nstr(dj[1], 10)), ev(delta_hidden=dj, fd_dE_db1=gfd[0][1]), line='723'))
    A.append(formula('first-layer derivatives', r'\partial E_n/\partial w_{ji}^{(1)} = \delta_j^{(1)} x_i', 'MATCH',
                     'Finite-difference check on the concrete instance and on a random 3-4-2 tanh/linear network.',
                     ev(max_abs_diff_concrete=md, max_abs_diff_random_342=mdb), line='737'))
    A.append(formula('second-layer derivatives', r'\partial E_n/\partial w_{kj}^{(2)} = \delta_k^{(2)} z_j^{(1)}', 'MATCH',
                     'Same check.', ev(max_abs_diff_concrete=md, max_abs_diff_random_342=mdb), line='739'))
    refs = [ref('z^{(1)}_%d = tanh(a^{(1)}_%d)' % (j + 1, j + 1), z[j]) for j in range(2)] + \
           [ref('h_%d' % (k + 1), h[k]) for k in range(2)] + \
           [ref('E_n', half_sse(h, y))] + \
           [ref('δ^{(2)}_%d' % (k + 1), dk[k]) for k in range(2)] + [ref('δ^{(1)}_%d' % (j + 1), dj[j]) for j in range(2)] + \
           [ref('∂E/∂w^{(1)}_{%d%d}' % (j + 1, i + 1), g1[j][i]) for j in range(2) for i in range(2)] + \
           [ref('∂E/∂w^{(2)}_{%d%d}' % (k + 1, j + 1), g2[k][j]) for k in range(2) for j in range(2)]
    EXAMPLES.append({
        'id': 'tanh-linear', 'source': src, 'numbers_printed': False,
        'parameters': [
            param('network', None, None, 'NOT printed (only the formulas). For the numerical checks we reuse the 002 '
                  'exercise numbers (W⁽¹⁾ = [[0.25,0.30],[0.15,0.20]], b⁽¹⁾ = (0.35,0.35), W⁽²⁾ = [[0.45,0.40],[0.50,0.55]], '
                  'b⁽²⁾ = (0.60,0.60), x = (0.05,0.10), y = (0.01,0.99)) with tanh hidden / linear outputs, plus a random '
                  '3-4-2 network (seed 679)'),
        ],
        'audit': A, 'reference_unprinted': refs,
    })
    NARR['tanh-linear'] = (
        "The worked derivation for a network with tanh hidden units, linear outputs and ½ sum-of-squares error "
        "(Bishop §5.3.2). **No numbers are printed.** All formulas are correct; we verify them on the 002 exercise "
        "weights with tanh/linear activations and on a random 3-4-2 network. Only a naming slip (\"Logistic hidden "
        "h(a) = tanh(a)\").")


# ============================================================================
# 8. delta-rule-sgd   (004_29db0790c259fe54.txt)
# ============================================================================
def delta_rule_case(name, x, d, Wm, Vm, alpha):
    """network of doc 004: h_m = σ(Σ_k w_{m,k} x_k), d̂_g = σ(Σ_n h_n v_{g,n}).
       Biases are modelled as weights on a constant input x_0 = 1 and a constant hidden unit h_0 = 1."""
    xe = [M(1)] + list(x)
    P = len(Wm)
    h = [M(1)] + [sig(mp.fsum(Wm[m][k] * xe[k] for k in range(len(xe)))) for m in range(P)]
    dh = [sig(mp.fsum(Vm[g][n] * h[n] for n in range(len(h)))) for g in range(len(Vm))]
    delta = [(dh[g] - d[g]) * dh[g] * (1 - dh[g]) for g in range(len(Vm))]
    Vnew = [[Vm[g][n] - alpha * delta[g] * h[n] for n in range(len(h))] for g in range(len(Vm))]
    gam_true = [mp.fsum(delta[g] * Vm[g][m + 1] for g in range(len(Vm))) * h[m + 1] * (1 - h[m + 1]) for m in range(P)]
    gam_var = [mp.fsum(delta[g] * Vnew[g][m + 1] for g in range(len(Vm))) * h[m + 1] * (1 - h[m + 1]) for m in range(P)]
    closed = [-alpha * h[m + 1] ** 2 * (1 - h[m + 1]) * mp.fsum(dl ** 2 for dl in delta) for m in range(P)]

    def f_of_W(W):
        hh = [M(1)] + [sig(mp.fsum(W[m][k] * xe[k] for k in range(len(xe)))) for m in range(P)]
        dd = [sig(mp.fsum(Vm[g][n] * hh[n] for n in range(len(hh)))) for g in range(len(Vm))]
        return mp.fsum((dd[g] - d[g]) ** 2 for g in range(len(Vm))) / 2

    def f_of(W, V):
        hh = [M(1)] + [sig(mp.fsum(W[m][k] * xe[k] for k in range(len(xe)))) for m in range(P)]
        dd = [sig(mp.fsum(V[g][n] * hh[n] for n in range(len(hh)))) for g in range(len(V))]
        return mp.fsum((dd[g] - d[g]) ** 2 for g in range(len(V))) / 2

    rows = []
    for m in range(P):
        for j in range(len(xe)):
            def f(t, m=m, j=j):
                W = [list(r) for r in Wm]
                W[m][j] = t
                return f_of_W(W)
            gfd = fd(f, Wm[m][j])
            gt = gam_true[m] * xe[j]
            gv = gam_var[m] * xe[j]
            rows.append({'weight': f'w_{{{m + 1},{j}}}' + (' (bias)' if j == 0 else ''),
                         'true_grad_gamma_x': fl(gt), 'finite_difference': fl(gfd),
                         'variant_grad_with_v_t+1': fl(gv), 'difference': fl(gv - gt),
                         'relative_difference': fl((gv - gt) / gt) if gt != 0 else None,
                         'new_w_true': fl(Wm[m][j] - alpha * gt), 'new_w_variant': fl(Wm[m][j] - alpha * gv)})
    Wt = [[Wm[m][j] - alpha * gam_true[m] * xe[j] for j in range(len(xe))] for m in range(P)]
    Wv = [[Wm[m][j] - alpha * gam_var[m] * xe[j] for j in range(len(xe))] for m in range(P)]
    # alpha sweep of the relative error in gamma_1
    sweep = []
    for a in ['0.1', '0.5', '1', '2', '5', '10']:
        aa = M(a)
        gv1 = mp.fsum(delta[g] * (Vm[g][1] - aa * delta[g] * h[1]) for g in range(len(Vm))) * h[1] * (1 - h[1])
        sweep.append({'alpha': float(aa), 'relative_error_gamma_1': fl((gv1 - gam_true[0]) / gam_true[0])})
    return {'case': name, 'alpha': fl(alpha), 'hidden_outputs': [fl(t) for t in h[1:]],
            'output_deltas': [fl(t) for t in delta],
            'gamma_true': [fl(t) for t in gam_true], 'gamma_variant': [fl(t) for t in gam_var],
            'gamma_difference': [fl(a - b) for a, b in zip(gam_var, gam_true)],
            'closed_form_difference_-alpha*h^2(1-h)*sum(delta^2)': [fl(t) for t in closed],
            'per_weight': rows,
            'loss_before': fl(f_of(Wm, Vm)), 'loss_after_true_update': fl(f_of(Wt, Vnew)),
            'loss_after_variant_update': fl(f_of(Wv, Vnew)),
            'alpha_sweep': sweep}, gam_true, gam_var, closed


def ex_delta_rule():
    src = '004_29db0790c259fe54.txt'
    A = []
    # case A: the 001 network (biases as weights on constant units), alpha 0.5
    caseA, gtA, gvA, clA = delta_rule_case(
        '001 network (x=(0.05,0.10), d=(0.01,0.99)), α = 0.5',
        vec((0.05, 0.10)), vec((0.01, 0.99)),
        mk([[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]]),     # [bias, x1, x2] per hidden unit
        mk([[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]]), M('0.5'))
    # case B: the 003 network, alpha 0.6
    caseB, gtB, gvB, clB = delta_rule_case(
        '003 network (x=(0.1,0.5), d=(0.05,0.95)), α = 0.6',
        vec((0.1, 0.5)), vec((0.05, 0.95)),
        mk([[0.25, 0.1, 0.3], [0.25, 0.2, 0.4]]),
        mk([[0.35, 0.5, 0.6], [0.35, 0.7, 0.8]]), M('0.6'))
    zt = M('0.5')
    wrong_sp = 1 / (1 + mp.exp(-zt)) ** 2
    A.append(formula('SGD loop', r'pick i_t at random; v^{t+1} = v^t - \alpha_t \partial f^{i,t}/\partial v;  w^{t+1} = w^t - \alpha_t \partial f^{i,t}/\partial w',
                     'MATCH', 'Standard per-sample SGD. (Subscript "v_{k,t}" on line 29 should be an index such as '
                     'v_{k,n}: notation/extraction noise.)', line='26-31'))
    A.append(formula('sigmoid derivative, first form', r"\sigma'(z) = \frac{1}{(1+e^{-z})^2}", 'WRONG',
                     'Missing numerator e^{−z}: σ\'(z) = e^{−z}/(1+e^{−z})². As printed it equals σ(z)², e.g. at z = 0.5 '
                     '%s instead of %s. The following equalities σ(z)(1 − σ(z)) are correct, so the slip is confined to '
                     'this step (possibly a numerator lost in transcription of the hand-written slide).'
                     % (mp.nstr(wrong_sp, 8), mp.nstr(dsig(zt), 8)),
                     ev(printed_formula_value=wrong_sp, correct=dsig(zt), finite_difference=fd(sig, zt)), line='50'))
    A.append(formula('sigmoid derivative, final form', r"\sigma'(z) = \sigma(z)(1 - \sigma(z));  \sigma(\sum h_n v_{k,n})(1 - \sigma(\cdot)) = \hat d_k (1 - \hat d_k)",
                     'MATCH', 'Correct.', line='50-52'))
    A.append(formula('output-weight gradient', r'\partial f^i/\partial v_{k,e} = (\hat d_k - d_k) \hat d_k (1 - \hat d_k) h_e = \delta_k h_e',
                     'MATCH', 'Correct for f = ½ Σ_k (d̂_k − d_k)² (the ½ is implicit — "squared error loss" is never '
                     'written out). Finite differences agree (both test networks).', line='42-46'))
    A.append(formula('output delta (delta rule)', r'\delta_k = (\hat d_k - d_k) \hat d_k (1 - \hat d_k)', 'MATCH',
                     'Correct. Test network A: δ = (%s, %s).' % (mp.nstr(M(caseA['output_deltas'][0]), 10),
                                                               mp.nstr(M(caseA['output_deltas'][1]), 10)), line='101'))
    A.append(formula('output-weight update', r'v_{k,e}^{t+1} = v_{k,e}^t - \alpha_t \delta_k h_e  (algorithm box: v_{k,2}^{t+1} = v_{k,2}^t - \alpha_t \delta_k h_g)',
                     'MATCH', 'Correct on line 58. In the algorithm box the indices are garbled (v_{k,2} with h_g): '
                     'notation/extraction noise, the intended rule is the same.', line='58,103'))
    A.append(formula('chain factors for hidden weights', r'\partial \hat d_g/\partial h_m = \hat d_g (1 - \hat d_g) v_{g,m};  \partial h_m/\partial w_{m,j} = h_m (1 - h_m) x_j',
                     'MATCH', 'Correct. (The inner sum is written Σ_{k=1}^N w_{m,k} x_k, but N is the number of SAMPLES; '
                     'it should run over the input features — index slip.)', line='68,70'))
    A.append(formula('hidden-weight gradient', r'\partial f^i/\partial w_{m,j} = \sum_g (\hat d_g - d_g) \hat d_g (1 - \hat d_g) v_{g,m} h_m (1 - h_m) x_j = \gamma_m x_j',
                     'MATCH', 'Correct; verified against finite differences for every hidden weight (see variant entry '
                     'evidence, per_weight: true_grad vs finite_difference).', line='72-74'))
    rA = [r for r in caseA['per_weight']]
    A.append(formula('algorithm box: hidden delta with updated output weights',
                     r'\delta_m^{it} = \sum_{g=1}^G \delta_g^{it} v_{g,m}^{t+1} h_m^{it} (1 - h_m^{it})', 'WRONG',
                     'Uses the ALREADY-UPDATED output weights v^{t+1}; the gradient (line 72) needs v^t. Since '
                     'v^{t+1}_{g,m} = v^t_{g,m} − α δ_g h_m, the variant equals the true γ_m plus the bias '
                     '−α h_m²(1 − h_m) Σ_g δ_g² (exactly, confirmed numerically). On the 001 network (α = 0.5) '
                     'γ_true = (%s, %s) but the variant gives (%s, %s): relative error %s and %s; on the 003 network '
                     '(α = 0.6) the relative errors are %s and %s. The error grows linearly with α (sweep in evidence) '
                     'and the resulting weight change is off by O(α²). It is a common "update-as-you-go" '
                     'implementation bug; it is not SGD on f.'
                     % (mp.nstr(gtA[0], 8), mp.nstr(gtA[1], 8), mp.nstr(gvA[0], 8), mp.nstr(gvA[1], 8),
                        '%.2f%%' % (100 * fl((gvA[0] - gtA[0]) / gtA[0])), '%.2f%%' % (100 * fl((gvA[1] - gtA[1]) / gtA[1])),
                        '%.2f%%' % (100 * fl((gvB[0] - gtB[0]) / gtB[0])), '%.2f%%' % (100 * fl((gvB[1] - gtB[1]) / gtB[1]))),
                     {'network_001_alpha_0.5': caseA, 'network_003_alpha_0.6': caseB}, line='105'))
    A.append(formula('hidden-weight update', r'w_m^{t+1} = w_m^t - \alpha_t \delta_m^{it} x_j^{it}', 'MATCH',
                     'Form correct (should carry the index j on w_{m,j}); wrong only through the δ_m of the previous line.',
                     line='107'))
    A.append(formula('claim', 'Cost is a non convex function of weights - converge to local minima', 'MATCH',
                     'Correct in general for hidden-layer networks (e.g. hidden-unit permutation symmetry).', kind='claim', line='118-120'))
    EXAMPLES.append({
        'id': 'delta-rule-sgd', 'source': src, 'numbers_printed': False,
        'parameters': [
            param('network', None, None, 'NOT printed. Model of the document: h_m = σ(Σ_k w_{m,k} x_k), '
                  'd̂_g = σ(Σ_n h_n v_{g,n}), f = ½Σ_g(d̂_g − d_g)². Biases are modelled as weights on x_0 = 1 and h_0 = 1.'),
            param('test network A', None, None, 'the 001 network: x = (0.05, 0.10), d = (0.01, 0.99), hidden weights '
                  '[b, x1, x2] = [0.35, 0.15, 0.20], [0.35, 0.25, 0.30]; output [b, h1, h2] = [0.60, 0.40, 0.45], '
                  '[0.60, 0.50, 0.55]; α = 0.5 (our choice, as for sigmoid-222)'),
            param('test network B', None, None, 'the 003 network (inferred weights): x = (0.1, 0.5), d = (0.05, 0.95), '
                  'hidden [0.25, 0.1, 0.3], [0.25, 0.2, 0.4]; output [0.35, 0.5, 0.6], [0.35, 0.7, 0.8]; α = 0.6'),
        ],
        'audit': A, 'reference_unprinted': [],
    })
    NARR['delta-rule-sgd'] = (
        "Hand-written slides deriving per-sample SGD for a one-hidden-layer sigmoid network without explicit biases "
        "(hidden weights w, output weights v), ending in an algorithm box. **No numbers are printed.** The "
        "derivation is right apart from the first form of σ′; the algorithm box however computes the hidden "
        "deltas with the already-updated output weights v^{t+1}. We quantify that on two concrete networks: the "
        "bias is exactly −α·h_m²(1−h_m)·Σ_g δ_g², i.e. proportional to the learning rate.")


# ============================================================================
# driver / report
# ============================================================================
ORDER = ['regression-2d', 'sigmoid-222', 'sigmoid-222-matrix', 'sigmoid-222-lr06', 'xor-threshold', 'xor-train',
         'tanh-linear', 'delta-rule-sgd']


def counts(ex):
    c = {'MATCH': 0, 'ROUNDING': 0, 'WRONG': 0}
    for e in ex['audit']:
        c[e['verdict']] += 1
    return c


def md_escape(s):
    return str(s).replace('|', '\\|').replace('\n', ' ')


def short(v):
    if isinstance(v, float):
        return repr(v)
    return md_escape(v)


OVERVIEW = """
## Main findings

* **003 (`sigmoid-222-lr06`) is numerically sound**: its inferred weights (w1…w8 = 0.1…0.8, b1 = 0.25,
  b2 = 0.35) reproduce every printed sum; 19 of its 34 printed numbers are truncated rather than rounded in the
  5th decimal, none is wrong.
* **001 (`sigmoid-222`) numbers are all correct** (rounded to 3–4 decimals); its symbolic loss formula is garbled
  (½‖(ỹ1−y1)² − (ỹ2−y2)²‖², which would give 0.1263, not 0.2984), the second-layer formula says x instead of a⁽¹⁾, and
  the log-loss is missing its brackets. The vectorised key equations (δ aᵀ, Wᵀδ ⊙ g′) are correct (finite-difference
  checked).
* **002's matrix exercise (`sigmoid-222-matrix`) is the most defective**: part c) uses x instead of h (0.79
  should be 0.60); part d) uses δ = h − y for sigmoid outputs (missing σ′, so every δ is 3.6–5.8× too large),
  then adds a ×100 slip (−13.2, −12.8), an arithmetic slip (δ₂⁽¹⁾ = 0.03, its own inputs give 0.04) and a miscopied
  input (x₂ = 0.01 instead of 0.10). All 16 printed numbers of part c)–d) are WRONG; only the forward pass is right.
* **000 (`regression-2d`)** prints no numbers; its output-layer δ has a **sign error**
  (∂(y−a)²/∂a written as 2(y−a)), which turns gradient descent into ascent; its "multinomial log loss" is really a sum
  of binary cross-entropies and its multi-output MSE lacks the class index.
* **004 (`delta-rule-sgd`)**: the derivation is right except σ′(z) = 1/(1+e^{−z})² (missing e^{−z}); the algorithm
  box computes hidden deltas with the already-updated v^{t+1}. That changes the hidden gradient by exactly
  −α·h_m²(1−h_m)·Σ_g δ_g² — about −15 % to −17 % on the 001 network at α = 0.5, growing linearly in α.
* XOR (002): tables right, output formula lacks Th(·). tanh/linear (002): formulas right.

**Extraction noise vs real errors.** Treated as extraction/typesetting noise (no verdict against the mathematics):
the en-dash in "Gradient – ∇E" (000; line 270 shows −∇E), the stray ∂ in σ(∂z) and the superscript a⁽ᵃ⁾ (001),
garbled indices v_{k,t}, v_{k,2}/h_g and "W_m^0, j → V_{k,2}" (004). Counted as real errors: everything listed
as WRONG. Most of these appear identically several times or are confirmed by the printed numbers, so extraction did
not cause them. Where extraction could still be the cause (the log-loss brackets in 001, the lost ·10⁻² in 002,
the missing e^{−z} in 004), the note says so.
"""


def write_md(path):
    L = []
    L.append('# Numerical audit of the back-propagation lecture notes\n')
    L.append('All values recomputed independently by `audit.py` (mpmath, 60 significant digits; finite differences '
             'at 60-digit precision with step 1e-30). Machine-readable results: `audit.json`.\n')
    L.append('**Verdicts.** MATCH: the correct value rounded to the printed number of decimals equals the printed '
             'string. ROUNDING: differs only by truncation instead of rounding, by arithmetic on the document\'s own '
             'rounded intermediates, or by one unit in the last digit (this last rule is applied only to numbers '
             'printed with ≥ 3 significant digits). WRONG: anything else. Formulas and claims are MATCH (correct) '
             'or WRONG. Where the slide text is garbled by the PDF→text extraction, the note says so and the verdict '
             'is on the intended mathematics.\n')
    L.append('Formula entries quote the document\'s LaTeX (occasionally several related lines are combined into one '
             'entry); number entries quote the printed string exactly. `line` refers to the line number in the seed '
             'text file. Values the document does not print (e.g. updates for an assumed learning rate, or results on '
             'test networks we chose ourselves to check a formula) are listed separately as reference values and are '
             'never used to judge a printed number.\n')
    L.append(OVERVIEW)
    L.append('## Summary\n')
    L.append('| example | source | numbers printed? | MATCH | ROUNDING | WRONG |')
    L.append('|---|---|---|---|---|---|')
    for ex in EXAMPLES:
        c = counts(ex)
        L.append(f"| `{ex['id']}` | {ex['source']} | {'yes' if ex['numbers_printed'] else 'no'} | "
                 f"{c['MATCH']} | {c['ROUNDING']} | {c['WRONG']} |")
    L.append('')
    for ex in EXAMPLES:
        c = counts(ex)
        L.append(f"## `{ex['id']}` ({ex['source']})\n")
        L.append(NARR[ex['id']] + '\n')
        L.append('**Parameters**\n')
        for p in ex['parameters']:
            pv = f" = {p['printed']}" if p['printed'] else ''
            L.append(f"- {p['name']}{pv} — {p['how']}")
        L.append('')
        nums = [e for e in ex['audit'] if e['kind'] == 'number']
        forms = [e for e in ex['audit'] if e['kind'] != 'number']
        if nums:
            L.append('**Printed numbers**\n')
            L.append('| quantity | line | printed | computed (double) | verdict | note |')
            L.append('|---|---|---|---|---|---|')
            for e in nums:
                L.append(f"| {md_escape(e['quantity'])} | {e.get('line', '')} | `{e['printed']}` | {e['computed']!r} | "
                         f"**{e['verdict']}** | {md_escape(e['note'])} |")
            L.append('')
        if forms:
            L.append('**Formulas and claims**\n')
            L.append('| item | line | printed | verdict | note |')
            L.append('|---|---|---|---|---|')
            for e in forms:
                L.append(f"| {md_escape(e['quantity'])} | {e.get('line', '')} | `{md_escape(e['printed'])}` | "
                         f"**{e['verdict']}** | {md_escape(e['note'])} |")
            L.append('')
        wr = [e for e in ex['audit'] if e['verdict'] == 'WRONG']
        L.append(f"**WRONG items ({len(wr)})**\n")
        if not wr:
            L.append('- none\n')
        for e in wr:
            if e['kind'] == 'number':
                L.append(f"- {e['quantity']} (line {e.get('line', '?')}): printed `{e['printed']}`. {e['note']}")
            else:
                L.append(f"- {e['quantity']} (line {e.get('line', '?')}): `{e['printed']}`. {e['note']}")
        L.append('')
        if ex.get('reference_unprinted'):
            L.append('<details><summary>Reference values not printed in the document</summary>\n')
            L.append('| quantity | value | note |')
            L.append('|---|---|---|')
            for r in ex['reference_unprinted']:
                L.append(f"| {md_escape(r['quantity'])} | {r['computed']!r} | {md_escape(r['note'])} |")
            L.append('\n</details>\n')
        if ex['id'] == 'delta-rule-sgd':
            ev_ = [e for e in ex['audit'] if e['quantity'].startswith('algorithm box: hidden delta')][0]['computed']
            for key, case in ev_.items():
                L.append(f"**Variant vs true gradient — {case['case']}**\n")
                L.append('| weight | true ∂f/∂w = γ_m x_j | finite difference | variant (v^{t+1}) | difference | relative |')
                L.append('|---|---|---|---|---|---|')
                for r in case['per_weight']:
                    rel = '' if r['relative_difference'] is None else f"{100 * r['relative_difference']:.3f} %"
                    L.append(f"| {r['weight']} | {r['true_grad_gamma_x']:.10g} | {r['finite_difference']:.10g} | "
                             f"{r['variant_grad_with_v_t+1']:.10g} | {r['difference']:.3e} | {rel} |")
                L.append('')
                L.append(f"γ_true = {case['gamma_true']}, γ_variant = {case['gamma_variant']}; "
                         f"difference {case['gamma_difference']} = closed form −α h²(1−h)Σδ² "
                         f"{case['closed_form_difference_-alpha*h^2(1-h)*sum(delta^2)']}. "
                         f"Loss before {case['loss_before']:.10g}, after true SGD step {case['loss_after_true_update']:.10g}, "
                         f"after variant step {case['loss_after_variant_update']:.10g}. "
                         'Relative error of γ_1 vs α: ' +
                         ', '.join(f"α={s['alpha']:g}: {100 * s['relative_error_gamma_1']:.2f} %" for s in case['alpha_sweep']) + '.\n')
    with open(path, 'w') as f:
        f.write('\n'.join(L))


def main():
    ex_regression_2d()
    ex_sigmoid_222()
    ex_sigmoid_222_matrix()
    ex_sigmoid_222_lr06()
    ex_xor_threshold()
    ex_xor_train()
    ex_tanh_linear()
    ex_delta_rule()
    EXAMPLES.sort(key=lambda e: ORDER.index(e['id']))
    for ex in EXAMPLES:
        c = counts(ex)
        print(f"{ex['id']:20s} MATCH {c['MATCH']:3d}  ROUNDING {c['ROUNDING']:3d}  WRONG {c['WRONG']:3d}")
        for e in ex['audit']:
            if e['verdict'] == 'WRONG':
                print('    WRONG:', e['quantity'], '| printed', e['printed'][:60])
    if '--check' in sys.argv:
        return
    with open(os.path.join(HERE, 'audit.json'), 'w') as f:
        json.dump(EXAMPLES, f, indent=1, ensure_ascii=False)
    write_md(os.path.join(HERE, 'AUDIT.md'))


if __name__ == '__main__':
    main()
