-- wrk script for scripts/bench's comparison: every request queries one point, picked at random,
-- from the fixed list that PostGIS's pgbench scripts pick from too (bench_points), so both sides
-- answer the same questions. The list is "i<TAB>lat<TAB>lon" lines written by
-- `go run ./scripts/benchchart points`.
--
-- Environment: AIDMAP_BENCH_POINTS  the points file (required)
--              AIDMAP_BENCH_QUERY   nearest10 (default): /api/v1/sites/nearest?...&limit=10
--                                   radius2km: /api/v1/sites?...&radius_m=2000&limit=1000
--                                   (1000 is the API's page maximum: a 2 km circle holds fewer
--                                   sites here, so one request returns every site, as
--                                   ST_DWithin does)
local file = os.getenv("AIDMAP_BENCH_POINTS")
local query = os.getenv("AIDMAP_BENCH_QUERY") or "nearest10"
assert(file, "set AIDMAP_BENCH_POINTS to the points file")

local paths = {}
for line in io.lines(file) do
  local lat, lon = line:match("^%d+\t(%S+)\t(%S+)$")
  if lat then
    if query == "nearest10" then
      paths[#paths + 1] = "/api/v1/sites/nearest?lat=" .. lat .. "&lon=" .. lon .. "&limit=10"
    elseif query == "radius2km" then
      paths[#paths + 1] = "/api/v1/sites?lat=" .. lat .. "&lon=" .. lon .. "&radius_m=2000&limit=1000"
    else
      error("AIDMAP_BENCH_QUERY: want nearest10 or radius2km, not " .. query)
    end
  end
end
assert(#paths > 0, "no points in " .. file)

-- The raw requests are built in init: wrk sets the Host header only after loading the script.
local requests = {}
local n = #paths
init = function(args)
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path)
  end
  math.randomseed(42)
end

request = function()
  return requests[math.random(n)]
end
