from alpha import double


def quadruple(n):
    return double(double(n))
