# Deleting a nonlocal that is not bound is a NameError, as the firmware's compiler makes it (the
# interpreter emptied the cell without a word); deleting a bound one unbinds it.
def outer():
    x = 1
    y = 2

    def drop():
        nonlocal x, y
        del x
        try:
            del y, x
        except NameError:
            print("NameError")
        try:
            print(y)
        except NameError:
            print("y unbound too")

    drop()
    try:
        print(x)
    except NameError:
        print("x unbound")


outer()
