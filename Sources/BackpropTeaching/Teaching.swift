// BackpropTeaching: explanations and walkthroughs built on the public API of Backprop.
import Backprop
