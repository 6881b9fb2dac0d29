"""Applications of the package: transfer learning and neural style transfer."""
