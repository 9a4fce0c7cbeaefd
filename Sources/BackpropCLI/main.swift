print("backprop")
