"""A module beside the workflow script; workers import it through auto-deployment."""


def square(x):
    return x * x
