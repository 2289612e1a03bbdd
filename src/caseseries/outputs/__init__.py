"""What is made of the views: notebook sections, renders and their kernels, decks, the index, export files, widgets."""
