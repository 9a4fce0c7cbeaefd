import Testing
@testable import Backprop
