# heapq/uheapq: the three functions MicroPython has.
from _heapq import heappush, heappop, heapify
