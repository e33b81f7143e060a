-- wrk script: nearest-10 queries at random points around the cities the world demo set uses,
-- so each request searches a different place (no cache can help).
local cities = {
  {49.28, -123.12}, {43.65, -79.38}, {45.50, -73.57}, {51.51, -0.13}, {48.86, 2.35},
  {40.71, -74.01}, {34.05, -118.24}, {19.43, -99.13}, {-23.55, -46.63}, {-33.87, 151.21},
  {35.68, 139.69}, {28.61, 77.21}, {30.04, 31.24}, {6.52, 3.38}, {-1.29, 36.82},
  {52.52, 13.40}, {41.01, 28.98}, {55.76, 37.62}, {-18.14, 178.44}, {64.15, -21.94},
}
math.randomseed(42)
request = function()
  local c = cities[math.random(#cities)]
  local lat = c[1] + (math.random() - 0.5) * 0.3
  local lon = c[2] + (math.random() - 0.5) * 0.3
  return wrk.format("GET", string.format("/api/v1/sites/nearest?lat=%.5f&lon=%.5f&limit=10", lat, lon))
end
