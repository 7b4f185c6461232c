package io.virtnet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.EnumSet;
import java.util.Set;

/** Feature sets as JSON arrays of names, for the codecs. */
final class VirtioFeatures {
  private VirtioFeatures() {}

  /** Parses a JSON array of feature names; unknown names are an {@link InvalidMessageException}. */
  static Set<VirtioFeature> fromJson(ArrayNode names) {
    EnumSet<VirtioFeature> set = EnumSet.noneOf(VirtioFeature.class);
    for (JsonNode n : names) {
      if (!n.isTextual()) {
        throw InvalidMessageException.of("wrong-type", "feature names must be strings");
      }
      String s = n.textValue();
      try {
        set.add(VirtioFeature.valueOf(s));
      } catch (IllegalArgumentException e) {
        throw InvalidMessageException.of("unknown-value", "unknown virtio-net feature '" + Names.printable(s) + "'");
      }
    }
    return set;
  }

  static ArrayNode toJson(Set<VirtioFeature> features) {
    ArrayNode a = Json.newArray();
    features.forEach(f -> a.add(f.name()));
    return a;
  }
}
