"""Test and bench support that does not ship in the library: throwaway servers, scripted engines, page makers."""
