-- Pod labels as Elastic's own Kubernetes integration writes them: a dot in a label's name becomes
-- an underscore (app.kubernetes.io/name -> app_kubernetes_io/name). Elasticsearch reads a dot in
-- a field's name as nesting, so the shop's pods' `app` (a string) and `app.kubernetes.io/name`
-- (which would make `app` an object) cannot both be fields of one document, and every line would
-- be refused. Only the labels: the ECS fields' dots (log.level) are meant as nesting.
function dedot_labels(tag, timestamp, record)
  local kubernetes = record["kubernetes"]
  if type(kubernetes) ~= "table" or type(kubernetes["labels"]) ~= "table" then
    return 0, timestamp, record
  end
  local labels = {}
  for name, value in pairs(kubernetes["labels"]) do
    labels[(string.gsub(name, "%.", "_"))] = value
  end
  kubernetes["labels"] = labels
  -- 2: the record changed, its timestamp did not.
  return 2, timestamp, record
end
