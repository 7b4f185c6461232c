package io.virtnet.frontend.libvirt;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The interface device XML that libvirt's live device update takes to switch one NIC's link, as
 * {@code virsh domif-setlink} builds it: the domain's own {@code <interface>} element (found by MAC
 * address or by target device name) with {@code <link state='up|down'/>} set. Pure: no libvirt call.
 */
public final class InterfaceXml {
  private InterfaceXml() {}

  /** Thrown when the domain has no interface with that MAC or target device. */
  public static final class InterfaceNotFoundException extends Exception {
    InterfaceNotFoundException(String message) {
      super(message);
    }
  }

  /**
   * The {@code <interface>} element of {@code domainXml} whose {@code <mac address>} (any case) or
   * {@code <target dev>} equals {@code iface}, with its link state set to {@code up}.
   */
  public static String withLinkState(String domainXml, String iface, boolean up) throws InterfaceNotFoundException {
    Document doc = parse(domainXml);
    Element nic = find(doc, iface);
    NodeList links = nic.getElementsByTagName("link");
    Element link;
    if (links.getLength() > 0) {
      link = (Element) links.item(0);
    } else {
      link = doc.createElement("link");
      nic.appendChild(link);
    }
    link.setAttribute("state", up ? "up" : "down");
    return serialize(nic);
  }

  /** The link state libvirt reports for {@code iface} ({@code <link>} absent means up), or null if not found. */
  public static Boolean linkState(String domainXml, String iface) {
    try {
      Element nic = find(parse(domainXml), iface);
      NodeList links = nic.getElementsByTagName("link");
      return links.getLength() == 0 || !"down".equals(((Element) links.item(0)).getAttribute("state"));
    } catch (InterfaceNotFoundException e) {
      return null;
    }
  }

  private static Element find(Document doc, String iface) throws InterfaceNotFoundException {
    NodeList nics = doc.getElementsByTagName("interface");
    String wanted = iface.toLowerCase(Locale.ROOT);
    for (int i = 0; i < nics.getLength(); i++) {
      Element nic = (Element) nics.item(i);
      if (wanted.equals(attr(nic, "mac", "address").toLowerCase(Locale.ROOT)) || iface.equals(attr(nic, "target", "dev"))) {
        return nic;
      }
    }
    throw new InterfaceNotFoundException("the domain has no interface with MAC or target device '" + iface + "'"
        + " (virsh domiflist DOMAIN lists them)");
  }

  private static String attr(Element nic, String child, String attribute) {
    for (Node n = nic.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(child)) {
        return e.getAttribute(attribute);
      }
    }
    return "";
  }

  private static Document parse(String xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      // libvirt's XML has no DTD; refuse any, so a domain description can never pull in entities
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      return b.parse(new InputSource(new StringReader(xml)));
    } catch (Exception e) {
      throw new IllegalArgumentException("libvirt returned domain XML that does not parse: " + e.getMessage(), e);
    }
  }

  private static String serialize(Element element) {
    try {
      Transformer t = TransformerFactory.newInstance().newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      StringWriter out = new StringWriter();
      t.transform(new DOMSource(element), new StreamResult(out));
      return out.toString();
    } catch (Exception e) {
      throw new IllegalStateException("interface XML could not be written: " + e.getMessage(), e);
    }
  }
}
