"""Scanner data (NIfTI volumes, DICOM series) to labelled 2-D slices the image pipeline can read."""
