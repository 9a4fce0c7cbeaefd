import BackpropCommand
import Foundation

// The `backprop` command: everything is in the BackpropCommand library (tested in-process).
exit(BackpropCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
