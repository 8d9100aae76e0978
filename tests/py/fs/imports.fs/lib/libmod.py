def f(x):
    return x * 21


def boom():
    return 1 / 0
