import greeter

print(greeter.greeting())
print("from:", greeter.__file__)
