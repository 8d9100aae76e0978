# Known difference (docs/differences.md): the interpreter's compiler folds a floor division of
# two number literals wrongly; the firmware prints 1.0 twice. Computed at run time it is right.
print(2.0 // 2)
a = 2.0
print(a // 2)
